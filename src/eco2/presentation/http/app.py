"""The HTTP application: routes, the JSON error format, auth, metrics and the web chat page.

``create_app`` takes an already running ``ServiceRuntime`` from bootstrap; the caller owns its life
(``eco2 api`` / ``eco2 serve`` open it before serving and close it after), so the app holds no state.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from eco2.presentation.http import (
    routes_events,
    routes_health,
    routes_input,
    routes_messages,
    routes_sessions,
)
from eco2.presentation.http.auth import Authenticator
from eco2.presentation.http.errors import install_error_handlers
from eco2.presentation.http.metrics import metrics_router

if TYPE_CHECKING:
    from eco2.bootstrap import ServiceRuntime

STATIC_DIR = Path(__file__).parent / "static"


def create_app(services: ServiceRuntime) -> FastAPI:
    settings = services.settings
    app = FastAPI(
        title="Eco² 분리배출 도우미 API",
        version="1.0.0",
        description=(
            "세션을 만들고 메시지를 보내면 작업(job)이 큐에 들어가고, SSE로 진행 상황과 답변을 받습니다."
        ),
    )
    app.state.services = services
    app.state.authenticator = Authenticator(settings.api_key_map, settings.jwt_secret_value)
    install_error_handlers(app)
    for module in (routes_sessions, routes_messages, routes_events, routes_input, routes_health):
        app.include_router(module.router)
    app.include_router(metrics_router(services.queue_depth))

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
