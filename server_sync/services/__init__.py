"""What the server does, once: the JSON API (`routes`), the web pages (`pages`) and the council
export (`export`) are thin callers of these functions, so a page can never allow what the API
refuses.

A service takes plain typed arguments (a database session, ids, tokens, pydantic inputs,
whether the caller is the moderator) and never an HTTP request; a refusal is an `ApiError`,
which the API answers as JSON and a page shows in the visitor's language.

`workshops` (create, phases, join codes), `participants` (joining, who a token belongs to),
`submissions` (upload checked against the level, who may see what), `images` (the server-made
pictures), `votes`, `moderation` (the moderator token, desk sessions, approve/hide/reject),
`jury` (codes and stars) and `ranking` (results).

Import rules (each layer imports only from the layers below it, never from above, and no
module imports another to dodge a cycle inside a function):

1. Wiring: `server_sync.cli` → `server_sync.asgi` → `server_sync.app`. Only the app factory
   (`server_sync.app`) imports `server_sync.routes`, to register its routers.
2. `server_sync.routes` (JSON) and `server_sync.pages` (HTML), independent of each other:
   neither imports the other.
3. `server_sync.deps` and `server_sync.web`: what routes and pages share over HTTP.
4. `server_sync.export`: the council files, used by the command line and by the desk's download.
   It imports only services, models and core code.
5. `server_sync.services`.
6. `server_sync.models`, `server_sync.db`, `server_sync.schemas`, `server_sync.errors`,
   `server_sync.security`, `server_sync.settings`, `server_sync.pseudonyms`.
7. `game.*` (the core the editor uses too).
"""
