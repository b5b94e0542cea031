"""Train a model in the background: pick a preset, change any setting, launch, and watch it learn.

The page is drawn by studio/train/.
"""
from studio import train

train.show()
