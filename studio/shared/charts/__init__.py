"""Chart builders drawn on more than one page: pure functions from data to Altair charts, testable
without a browser. A builder that one page alone draws lives in that page's package."""
