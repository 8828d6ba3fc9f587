"""The ``repscope`` command line: thin commands over the library."""
