"""appeal-gen studio: a local web app to write, check, translate and preview an appeal.

A web layer only (routes, templates, static files): every change goes
through ``appeal_gen.edit``, every check through ``spec.parse_spec`` and
``validate.validate``, every document through ``build``. Its dependencies
(Starlette, uvicorn, python-multipart, pypdfium2) come with the
``appeal-gen[studio]`` extra; see docs/studio.md.
"""
