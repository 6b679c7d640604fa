"""The stages of the flow, one module each (see DESIGN.md):

fetch → ingest/extract → dedupe → embed → cluster → synthesize → verify → store → serve

Each stage has one entry point, keeps no hidden state, and stamps its name and version on
what it produces. Stages never see SQL; ``pipeline`` wires them to the store.
"""
