"""Build of the optional compiled dispatcher (everything else is in pyproject.toml).

``optional=True``: without a C++ compiler the install still succeeds and the scheduler
uses its Python dispatcher (``linewise.scheduling.native.available()`` tells which).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "linewise.scheduling._dispatch_kernel",
            sources=["src/linewise/scheduling/_dispatch_kernel.cpp"],
            language="c++",
            extra_compile_args=["-std=c++17", "-O2"],
            optional=True,
        )
    ]
)
