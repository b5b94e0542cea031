"""What several pages use: the page start and its sidebar (model picker, decoding settings), state kept
in the URL, the shared caches, rendering and escaping helpers, the "What am I looking at?" texts, the
classroom lock, start-up warm-up, the page list, and (in `charts`) chart builders drawn on several pages.
Nothing here imports a page's package."""
