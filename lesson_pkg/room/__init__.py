"""The live workshop room: ``lesson room``, and the learners' side of it.

- :mod:`lesson_pkg.room.client`: what a learner's kernel runs (standard library only):
  ``join_room(url, name=...)`` and the background posting of each ``check()``'s outcome;
- :mod:`lesson_pkg.room.catalogue`: the exercise functions and named mistakes a room
  accepts, read from the grader's own lists;
- :mod:`lesson_pkg.room.store`: the results, in one SQLite file (WAL mode);
- :mod:`lesson_pkg.room.app`: the Starlette application (post, dashboard, summary, CSV);
- :mod:`lesson_pkg.room.server`: ``lesson room``: tokens, URLs and uvicorn.

Nothing here is imported by ``import lesson_pkg``; the server's packages (Starlette,
uvicorn) are the ``room`` extra, and a learner needs none of them.
"""
