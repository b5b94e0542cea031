"""Every term the app uses, explained in a few lines and linked from each "What am I looking at?".

The page is drawn by studio/glossary/.
"""
from studio import glossary

glossary.show()
