"""The demo: a made-up chamber, loaded by `manage.py seed_demo` (which `make demo` runs).

`demo.run.run()` is the one entry point. It makes the staff users (staff.py), then runs the steps in
`STEPS` (run.py) in order, each in its own transaction, and logs what each made (one line each). The
tables the steps draw from are in data/.

Each step is a function `seed(ctx: DemoContext) -> str` (context.py) in a module of its subject,
returning one line saying what it made. A step must:
- write through the services, as staff would, so histories and transitions are real;
- draw every random choice from `ctx.random("<step name>")`, so the same seed and day give the
  same data, and adding a step leaves the others' data as it was;
- be safe to run again: find what it made before by natural keys (a name, a code) and create
  only what is missing.
What happened before today (the dues, lapses and pledge installments of the last three years,
past events) is written on the day it happened: inside `demo.clock.on(day)` the services read
that day as now (history.py).
"""
# An installed app (for its command): this package is imported before the models are ready, so
# it imports nothing; the steps are in run.py.
