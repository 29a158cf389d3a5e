"""The composition root: settings in, a wired chat runtime out. Nothing else builds adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from langgraph.checkpoint.base import BaseCheckpointSaver
from redis.asyncio import BlockingConnectionPool, Redis

from eco2.application.ports.character import CharacterClientPort
from eco2.application.ports.conversations import ConversationStorePort
from eco2.application.ports.llm import LLMClientPort, LLMPolicyPort, ModelTier, TaskType
from eco2.application.ports.location import LocationClientPort
from eco2.application.ports.retriever import RetrieverPort
from eco2.application.services.chat_jobs import ChatJobService
from eco2.application.services.conversation_history import ConversationHistoryHandler
from eco2.domain.knowledge import KnowledgeBase
from eco2.infrastructure.checkpoint.cached_saver import CachedPostgresSaver
from eco2.infrastructure.checkpoint.postgres_l2 import PoolOptions
from eco2.infrastructure.checkpoint.redis_deadline import checkpoint_redis
from eco2.infrastructure.embedded_valkey import EmbeddedValkey
from eco2.infrastructure.events.outbox import EventOutbox
from eco2.infrastructure.events.progress_stream_hub import ProgressStreamHub
from eco2.infrastructure.events.progress_stream_reader import ProgressStreamReader
from eco2.infrastructure.events.redis_progress_notifier import RedisProgressNotifier
from eco2.infrastructure.events.redis_stream_consumer import RedisStreamConsumer
from eco2.infrastructure.events.redis_stream_domain_event_bus import RedisStreamDomainEventBus
from eco2.infrastructure.integrations.character.grpc_client import CharacterGrpcClient
from eco2.infrastructure.integrations.location.grpc_client import LocationGrpcClient
from eco2.infrastructure.interaction.redis_input_requester import RedisInputRequester
from eco2.infrastructure.interaction.redis_interaction_state_store import RedisInteractionStateStore
from eco2.infrastructure.interaction.redis_turn_store import RedisTurnStore
from eco2.infrastructure.jobs.redis_chat_job_store import RedisChatJobStore
from eco2.infrastructure.jobs.redis_rate_limiter import RedisRateLimiter
from eco2.infrastructure.jobs.redis_session_registry import RedisSessionRegistry
from eco2.infrastructure.knowledge.loader import builtin_kb_dir, load_knowledge_base
from eco2.infrastructure.llm.clients.local_grounded_responder import LocalGroundedResponder
from eco2.infrastructure.llm.policies.circuit_breaker import CircuitBreaker
from eco2.infrastructure.llm.policies.default_policy import DefaultLLMPolicy
from eco2.infrastructure.llm.provider_chain import Provider, ProviderChain
from eco2.infrastructure.orchestration.langgraph.factory import create_chat_graph
from eco2.infrastructure.orchestration.langgraph.workflow import ChatWorkflow, HumanInTheLoop
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever
from eco2.infrastructure.retrieval.reloading_retriever import ReloadingRetriever
from eco2.servers.location.store import PlaceStore
from eco2.settings import Settings

if TYPE_CHECKING:
    from taskiq import AsyncBroker

    from eco2.infrastructure.queue.taskiq_queue import TaskiqJobQueue

log = structlog.get_logger(__name__)


@dataclass
class EventRuntime:
    """Redis (or embedded Valkey) and the database behind progress, domain events and HITL state."""

    redis: Redis  # short timeouts: publishing is best-effort and must not stall a chat
    blocking_redis: Redis  # for XREAD/XREADGROUP BLOCK
    notifier: RedisProgressNotifier
    progress: ProgressStreamReader
    event_bus: RedisStreamDomainEventBus
    conversations: ConversationStorePort
    interactions: RedisInteractionStateStore
    turns: RedisTurnStore


@dataclass
class ChatRuntime:
    settings: Settings
    workflow: ChatWorkflow
    notifier: RedisProgressNotifier
    retriever: RetrieverPort
    events: EventRuntime


def kb_directories(settings: Settings) -> list[Path]:
    directories = [builtin_kb_dir()]
    if settings.kb_dir is not None:
        directories.append(settings.kb_dir)
    return directories


def load_kb(settings: Settings) -> KnowledgeBase:
    return load_knowledge_base(kb_directories(settings))


def build_retriever(settings: Settings) -> RetrieverPort:
    """With a user knowledge base, edits are picked up while running; the built-in one never changes."""
    if settings.kb_dir is None:
        return KnowledgeBaseRetriever(load_kb(settings))
    return ReloadingRetriever(kb_directories(settings), check_interval_s=settings.kb_reload_s)


def build_policy(settings: Settings) -> DefaultLLMPolicy:
    provider = next((p for p in settings.llm_providers if p != "local"), "local")
    small, large = {
        "openai": (settings.openai_model_small, settings.openai_model_large),
        "gemini": (settings.gemini_model_small, settings.gemini_model_large),
    }.get(provider, ("local", "local"))
    models = {
        (TaskType.INTENT, ModelTier.SMALL): small,
        (TaskType.INTENT, ModelTier.LARGE): large,
        (TaskType.ANSWER, ModelTier.SMALL): small,
        (TaskType.ANSWER, ModelTier.LARGE): large,
    }
    return DefaultLLMPolicy(models, timeout_s=settings.llm_timeout_s)


def build_llm(settings: Settings, policy: LLMPolicyPort) -> tuple[ProviderChain, ProviderChain | None]:
    """The answer LLM: ECO2_LLM_PROVIDERS in order, always ending at the local grounded responder.

    The intent LLM uses the same providers (and breakers) without the local responder, since the
    rule-based classifier is its fallback; it is None when no remote provider is configured.
    """
    tiers = {
        "openai": (settings.openai_model_small, settings.openai_model_large),
        "gemini": (settings.gemini_model_small, settings.gemini_model_large),
    }
    configured = settings.llm_providers
    cut = configured.index("local") if "local" in configured else len(configured)
    names, unreachable = configured[:cut], configured[cut + 1 :]
    if unreachable:
        log.warning("llm_providers_after_local_unused", providers=unreachable)
    providers: list[Provider] = []
    for name in names:
        client = _llm_client(name, settings)
        if client is None:
            continue
        small, large = tiers[name]
        models = {other: small for other, _ in tiers.values()} | {other: large for _, other in tiers.values()}
        breaker = CircuitBreaker(name, settings.llm_breaker_failures, settings.llm_breaker_cooldown_s)
        providers.append(Provider(client, breaker, models))
    answer = ProviderChain(
        providers, policy, fallback=LocalGroundedResponder(),
        max_retries=settings.llm_max_retries, stream_idle_timeout_s=settings.llm_timeout_s,
    )
    intent = ProviderChain(providers, policy, max_retries=0) if providers else None
    return answer, intent


def _llm_client(name: str, settings: Settings) -> LLMClientPort | None:
    """A provider's client, or None (with a warning) when its key is missing. SDKs load only when used."""
    if name == "openai":
        from eco2.infrastructure.llm.clients.openai_client import OpenAIClient

        if settings.openai_api_key is None and not settings.openai_base_url:
            log.warning("llm_provider_skipped", provider=name, reason="no OPENAI_API_KEY or OPENAI_BASE_URL")
            return None
        # A local OpenAI-compatible server usually wants no key, but the SDK insists on one.
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "no-key"
        return OpenAIClient(
            key, base_url=settings.openai_base_url, default_model=settings.openai_model_large,
            timeout_s=settings.llm_timeout_s,
        )
    from eco2.infrastructure.llm.clients.gemini_client import GeminiClient

    if settings.gemini_api_key is None:
        log.warning("llm_provider_skipped", provider=name, reason="GEMINI_API_KEY unset")
        return None
    return GeminiClient(
        settings.gemini_api_key.get_secret_value(), base_url=settings.gemini_base_url,
        default_model=settings.gemini_model_large,
    )


def build_character_client(settings: Settings, stack: AsyncExitStack) -> CharacterClientPort:
    """The character service over gRPC when ECO2_CHARACTER_ADDR is set, else the roster in process."""
    if not settings.character_addr:
        from eco2.infrastructure.integrations.character.roster_client import RosterCharacterClient
        from eco2.servers.character.roster import load_roster

        return RosterCharacterClient(load_roster())
    client = CharacterGrpcClient(
        settings.character_addr,
        timeout_s=settings.character_timeout_s,
        max_attempts=settings.grpc_max_attempts,
    )
    stack.push_async_callback(client.close)
    return client


def build_location_client(settings: Settings, stack: AsyncExitStack) -> LocationClientPort:
    """The location service over gRPC when ECO2_LOCATION_ADDR is set, else the place store in process."""
    if not settings.location_addr:
        from eco2.infrastructure.integrations.location.store_client import PlaceStoreLocationClient

        local = PlaceStoreLocationClient(lambda: build_place_store(settings))
        stack.push_async_callback(local.close)
        return local
    client = LocationGrpcClient(
        settings.location_addr,
        timeout_s=settings.location_timeout_s,
        max_attempts=settings.grpc_max_attempts,
    )
    stack.push_async_callback(client.close)
    return client


def build_place_store(settings: Settings, database_url: str | None = None) -> PlaceStore:
    """PostgreSQL when a URL is given (argument or ECO2_DATABASE_URL), else SQLite under ECO2_DATA_DIR."""
    url = database_url or settings.database_url
    if url:
        from eco2.servers.location.postgres_store import PostgresPlaceStore

        store: PlaceStore = PostgresPlaceStore(url)
    else:
        from eco2.servers.location.sqlite_store import SqlitePlaceStore

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = SqlitePlaceStore(settings.data_dir / "places.sqlite")
    store.ensure_schema()
    return store


@asynccontextmanager
async def build_runtime(settings: Settings | None = None) -> AsyncIterator[ChatRuntime]:
    settings = settings or Settings()
    async with AsyncExitStack() as stack:
        retriever = build_retriever(settings)
        events = await stack.enter_async_context(build_events(settings))
        notifier = events.notifier
        requester = RedisInputRequester(notifier, events.interactions, state_ttl_s=settings.events_ttl_s)
        policy = build_policy(settings)
        llm, intent_llm = build_llm(settings, policy)
        stack.push_async_callback(llm.aclose)
        checkpointer = await stack.enter_async_context(build_checkpointer(settings, events.redis))
        graph = create_chat_graph(
            llm=llm,
            retriever=retriever,
            event_publisher=notifier,
            policy=policy,
            checkpointer=checkpointer,
            character_client=build_character_client(settings, stack),
            location_client=build_location_client(settings, stack),
            input_requester=requester,
            intent_llm=intent_llm,
        )
        hitl = HumanInTheLoop(requester, events.interactions, events.turns, settings.input_timeout_s)
        workflow = ChatWorkflow(graph, notifier, events.event_bus, hitl, turn_lock=checkpointer.thread_lock)
        yield ChatRuntime(settings, workflow, notifier, retriever, events)


def _redis_url(settings: Settings, stack: AsyncExitStack) -> str:
    """ECO2_REDIS_URL, or an embedded Valkey on a unix socket that stops with ``stack``."""
    if settings.redis_url:
        return settings.redis_url
    valkey = EmbeddedValkey(settings.valkey_dir)
    url = valkey.start()
    stack.callback(valkey.stop)
    return url


@asynccontextmanager
async def build_events(settings: Settings) -> AsyncIterator[EventRuntime]:
    """Redis from ECO2_REDIS_URL or an embedded Valkey; PostgreSQL from ECO2_DATABASE_URL or SQLite."""
    async with AsyncExitStack() as stack:
        url = _redis_url(settings, stack)
        timeout = settings.events_publish_timeout_s
        redis = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        stack.push_async_callback(redis.aclose)
        blocking = Redis.from_url(url, socket_connect_timeout=2.0, max_connections=256)
        stack.push_async_callback(blocking.aclose)
        outbox, conversations = await stack.enter_async_context(_databases(settings))
        notifier = RedisProgressNotifier(
            redis, prefix=settings.events_prefix, maxlen=settings.events_maxlen, ttl_s=settings.events_ttl_s,
            token_batch_size=settings.events_token_batch, token_flush_ms=settings.events_token_flush_ms,
            publish_timeout_s=timeout,
        )
        stack.push_async_callback(notifier.aclose)
        yield EventRuntime(
            redis=redis,
            blocking_redis=blocking,
            notifier=notifier,
            progress=ProgressStreamReader(blocking, prefix=settings.events_prefix),
            event_bus=RedisStreamDomainEventBus(redis, outbox, stream=settings.domain_events_stream),
            conversations=conversations,
            interactions=RedisInteractionStateStore(redis, prefix=f"{settings.events_prefix}:interaction"),
            turns=RedisTurnStore(
                redis, prefix=f"{settings.events_prefix}:turns", ttl_s=settings.events_ttl_s
            ),
        )


def build_history_consumer(settings: Settings, events: EventRuntime, consumer: str) -> RedisStreamConsumer:
    """``eco2 consume``: stores each completed turn once, however often it is delivered."""
    return RedisStreamConsumer(
        events.blocking_redis,
        ConversationHistoryHandler(events.conversations),
        stream=settings.domain_events_stream,
        group=settings.consumer_group,
        consumer=consumer,
        min_idle_ms=settings.consumer_min_idle_ms,
        max_deliveries=settings.consumer_max_deliveries,
    )


@asynccontextmanager
async def _databases(settings: Settings) -> AsyncIterator[tuple[EventOutbox, ConversationStorePort]]:
    outbox: EventOutbox
    conversations: ConversationStorePort
    if settings.database_url:
        from psycopg_pool import AsyncConnectionPool

        from eco2.infrastructure.persistence.postgres_conversation_store import PostgresConversationStore
        from eco2.infrastructure.persistence.postgres_outbox import PostgresOutbox

        pool = AsyncConnectionPool(
            settings.database_url, min_size=1, max_size=4, open=False, kwargs={"autocommit": True}
        )
        await pool.open(wait=True, timeout=10)
        try:
            outbox, conversations = PostgresOutbox(pool), PostgresConversationStore(pool)
            await outbox.setup()
            await conversations.setup()
            yield outbox, conversations
        finally:
            await pool.close()
        return
    from eco2.infrastructure.persistence.sqlite_conversation_store import SqliteConversationStore
    from eco2.infrastructure.persistence.sqlite_outbox import SqliteOutbox

    outbox = SqliteOutbox(settings.embedded_db_path)
    conversations = SqliteConversationStore(settings.embedded_db_path)
    await outbox.setup()
    await conversations.setup()
    yield outbox, conversations


@asynccontextmanager
async def build_checkpoint_maintenance(settings: Settings) -> AsyncIterator[CachedPostgresSaver]:
    """``eco2 checkpoints``: the configured checkpointer without the chat runtime around it."""
    async with AsyncExitStack() as stack:
        url = _redis_url(settings, stack)
        redis = checkpoint_redis(url)
        stack.push_async_callback(redis.aclose)
        yield await stack.enter_async_context(build_checkpointer(settings, redis))


@asynccontextmanager
async def build_checkpointer(settings: Settings, redis: Redis) -> AsyncIterator[CachedPostgresSaver]:
    """The Redis L1 in front of PostgreSQL (ECO2_DATABASE_URL) or, embedded, in front of SQLite.

    With ECO2_REDIS_URL the L1 gets its own client; embedded, it shares the events' Valkey client.
    """
    options: dict[str, Any] = {
        "prefix": settings.checkpoint_prefix,
        "l1_ttl_s": settings.checkpoint_l1_ttl_s,
        "max_bytes": settings.checkpoint_max_bytes,
        "lock_wait_s": settings.checkpoint_lock_wait_s,
    }
    if settings.database_url:
        pool = PoolOptions(
            min_size=settings.checkpoint_pool_min_size,
            max_size=settings.checkpoint_pool_max_size,
            timeout_s=settings.checkpoint_pool_timeout_s,
            prepare_threshold=settings.checkpoint_prepare_threshold,
            health_check=settings.checkpoint_pool_check,
            check_idle_after_s=settings.checkpoint_pool_check_idle_s,
        )
        postgres: dict[str, Any] = {"database_url": settings.database_url, "pool": pool,
                                    "replay_interval_s": settings.checkpoint_replay_interval_s, **options}
        opened = (
            CachedPostgresSaver.from_urls(redis_url=settings.redis_url, **postgres)
            if settings.redis_url
            else CachedPostgresSaver.with_postgres(redis=redis, **postgres)
        )
        async with opened as saver:
            await saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as sqlite:
        await sqlite.setup()
        yield CachedPostgresSaver(sqlite, redis, **options)


@dataclass
class ServiceRuntime:
    """The service around the chat runtime: sessions, job records, the queue, and what /readyz probes."""

    settings: Settings
    chat: ChatRuntime
    service: ChatJobService
    jobs: RedisChatJobStore
    queue: TaskiqJobQueue
    broker: AsyncBroker
    reader: ProgressStreamReader
    conversations: ConversationStorePort
    checks: Mapping[str, Callable[[], Awaitable[bool]]]
    hub: ProgressStreamHub  # every SSE client's progress stream over one blocking read

    async def queue_depth(self) -> int | None:
        return await self.queue.depth()


@asynccontextmanager
async def build_service(
    settings: Settings | None = None, *, worker: bool = False
) -> AsyncIterator[ServiceRuntime]:
    """``eco2 api``, ``eco2 worker`` and ``eco2 serve``: the chat runtime plus the job queue."""
    from eco2.infrastructure.queue.taskiq_queue import TaskiqJobQueue, create_broker

    settings = settings or Settings()
    async with AsyncExitStack() as stack:
        chat = await stack.enter_async_context(build_runtime(settings))
        events = chat.events
        redis_url = settings.redis_url or _redis_url_of(events.redis)
        queue_url = settings.queue_url or redis_url
        # job records must not fail on a busy moment: a longer timeout than the best-effort publisher's
        pool = BlockingConnectionPool.from_url(
            redis_url, max_connections=64, timeout=10, socket_timeout=10, socket_connect_timeout=5
        )
        redis = Redis(connection_pool=pool)
        stack.push_async_callback(redis.aclose)
        broker = create_broker(
            queue_url, queue_name=settings.queue_name, claim_idle_ms=int(settings.queue_claim_idle_s * 1000)
        )
        broker.is_worker_process = worker  # brokers open their consuming side only in workers
        await broker.startup()
        stack.push_async_callback(broker.shutdown)
        prefix = settings.jobs_prefix
        jobs = RedisChatJobStore(redis, prefix=prefix, ttl_s=max(settings.events_ttl_s, 86_400))
        queue = TaskiqJobQueue(broker)
        checkpointer = chat.workflow.graph.checkpointer
        erasers: list[Callable[[str], Awaitable[object]]] = [events.conversations.delete_session]
        if isinstance(checkpointer, BaseCheckpointSaver):
            erasers.append(checkpointer.adelete_thread)
        service = ChatJobService(
            RedisSessionRegistry(redis, prefix=prefix),
            jobs,
            queue,
            RedisRateLimiter(redis, limit=settings.rate_limit_per_minute, prefix=prefix),
            events.interactions,
            events.notifier,
            erasers,
        )

        async def redis_ready() -> bool:
            return bool(await redis.ping())

        async def database_ready() -> bool:
            await events.conversations.get_history("readyz-probe", limit=1)
            return True

        checks = {"redis": redis_ready, "database": database_ready, "queue": queue.ping}
        hub = ProgressStreamHub(events.blocking_redis, prefix=settings.events_prefix)
        stack.push_async_callback(hub.aclose)
        yield ServiceRuntime(
            settings, chat, service, jobs, queue, broker, events.progress, events.conversations, checks, hub
        )


def _redis_url_of(redis: Redis) -> str:
    """The URL of an already connected client (the embedded Valkey's, when no URL was configured)."""
    kwargs = redis.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    return f"redis://{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
