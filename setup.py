"""The wheel carries the top-level templates/, static/ and migrations/ inside the package.

In a checkout they stay where development and the tools expect them; here setuptools maps
each one (and every folder in it) to a folder of the package (`cmt_schools/templates/`,
...), and the app uses whichever is there (cmt_schools/core/paths.py). Everything else is
in pyproject.toml, including the globs that take every file in these folders.
"""

from setuptools import find_namespace_packages, setup

BUNDLED_FOLDERS = ("templates", "static", "migrations")


def bundled_packages(folder: str) -> list[str]:
    inside = find_namespace_packages(where=folder, exclude=["*__pycache__*"])
    return [f"cmt_schools.{folder}", *(f"cmt_schools.{folder}.{name}" for name in inside)]


setup(
    packages=[
        *find_namespace_packages(include=["cmt_schools", "cmt_schools.*"]),
        *(name for folder in BUNDLED_FOLDERS for name in bundled_packages(folder)),
    ],
    package_dir={f"cmt_schools.{folder}": folder for folder in BUNDLED_FOLDERS},
)
