"""Renderings of briefs for people: Markdown now; HTML, Atom and the digest join with the reader."""
