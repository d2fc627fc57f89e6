"""Looking inside a trained image classifier: the pictures of `kt visualize RUN_DIR`.

The talks show what a net has learnt rather than only how well it scores: the first layer's filters, the
"activity of 100 hidden neurons out of 625" as test digits go by, images that a class or a channel likes best,
grown by gradient ascent from noise, and the DeepDream slide, a digit whose features are amplified until the
net sees more of what it already saw. Each is one PNG in the run folder (`pictures.PICTURES`), written
atomically; the same run, steps and seed draw the same pictures.

- `visualize.visualize_run`: every picture for a saved run;
- `net.Net`: which layers are looked at, and the class scores, drives and activations read from them;
- `ascent`: gradient ascent on the input with jitter, blur, L2 decay and clipping;
- `pictures`: one function per picture; `draw`: the grids and the activity map.

`kerastoolkit.inside` itself holds only the defaults, so `kt` reads them at start-up without TensorFlow; its
modules import TensorFlow.
"""

from __future__ import annotations

DEFAULT_EXAMPLES = 100  # test digits in the activity map
DEFAULT_STEPS = 100  # gradient-ascent steps per optimised picture
