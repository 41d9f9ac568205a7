"""Sphinx configuration: numpydoc API pages and a sphinx-gallery of the examples.

The build is offline (no intersphinx) and warning-free: ``nox -s docs`` runs it
with ``-W --keep-going``.
"""

import sknn

project = "sknn"
author = "the sknn developers"
copyright = "the sknn developers"
release = version = sknn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {"description": "scikit-learn's MLP on PyTorch"}
html_static_path = ["_static"]
html_css_files = ["custom.css"]  # code blocks wrap long lines instead of clipping

# the estimators' pages list their methods through autodoc, not numpydoc's tables
numpydoc_show_class_members = False
autodoc_typehints = "none"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
    "show_memory": False,
    # its page loads scripts from CDNs, and the docs are meant to read offline
    "write_computation_times": False,
}
