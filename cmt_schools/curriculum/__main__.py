"""`python -m cmt_schools.curriculum [BAND]`: check the lesson files without the app."""

import sys

from .checks import check_band_folder, check_curriculum

if len(sys.argv) > 1:
    sys.exit(check_band_folder(sys.argv[1], print))
sys.exit(check_curriculum(print))
