"""Views of the HTML interface: parse input, call one service or selector, render."""
