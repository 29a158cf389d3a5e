// 에코² 웹 채팅: 세션, 메시지 전송, SSE(진행 단계·토큰) 수신, 위치 요청 응답. 빌드 단계 없음.
"use strict";

const API = "/api/v1/chat";
const STAGE_NAMES = {
  intent: "질문 이해", waste_rag: "배출 규칙 찾기", character: "캐릭터 찾기", location: "주변 장소 찾기",
  general: "일반 대화", answer: "답변 작성", job: "작업",
};
const $ = (id) => document.getElementById(id);
const state = { sessionId: null, nextCursor: null, job: null, busy: false };

function headers(extra = {}) {
  const token = $("token").value.trim() || localStorage.getItem("eco2.token") || "";
  const base = { ...extra };
  if (token) base.Authorization = `Bearer ${token}`;
  return base;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers || {}) });
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.error?.message || `요청 실패 (${response.status})`);
    error.status = response.status;
    error.code = body?.error?.code;
    throw error;
  }
  return body;
}

function setStatus(text) { $("status").textContent = text; }

// ---- 세션 목록 ----
async function loadSessions(append = false) {
  try {
    const query = append && state.nextCursor ? `?cursor=${encodeURIComponent(state.nextCursor)}` : "";
    const page = await api(API + query);
    const list = $("session-list");
    if (!append) list.replaceChildren();
    for (const session of page.sessions) list.append(sessionItem(session));
    state.nextCursor = page.next_cursor;
    $("more-sessions").hidden = !page.next_cursor;
  } catch (error) {
    setStatus(`대화 목록을 불러오지 못했습니다: ${error.message}`);
  }
}

function sessionItem(session) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.session = session.id;
  button.textContent = new Date(session.created_at * 1000).toLocaleString("ko-KR");
  button.setAttribute("aria-current", String(session.id === state.sessionId));
  button.addEventListener("click", () => openSession(session.id));
  item.append(button);
  return item;
}

function markCurrent() {
  for (const button of document.querySelectorAll("#session-list button")) {
    button.setAttribute("aria-current", String(button.dataset.session === state.sessionId));
  }
}

async function openSession(sessionId) {
  try {
    const history = await api(`${API}/${sessionId}`);
    state.sessionId = sessionId;
    $("log").replaceChildren();
    for (const turn of history.turns) {
      addUserTurn(turn.user_message);
      const view = addAssistantTurn();
      view.text = turn.answer;
      renderAnswer(view, true);
    }
    markCurrent();
    setStatus(history.turns.length ? `지난 대화 ${history.turns.length}개를 불러왔습니다.` : "빈 대화입니다.");
    $("message").focus();
  } catch (error) {
    setStatus(`대화를 열지 못했습니다: ${error.message}`);
  }
}

async function newSession() {
  const session = await api(API, { method: "POST" });
  state.sessionId = session.id;
  $("log").replaceChildren();
  $("session-list").prepend(sessionItem(session));
  markCurrent();
  return session.id;
}

// ---- 대화 화면 ----
function addUserTurn(text) {
  const item = document.createElement("li");
  item.className = "turn user";
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  bubble.textContent = text;
  item.append(bubble);
  $("log").append(item);
}

function addAssistantTurn() {
  const item = document.createElement("li");
  item.className = "turn assistant";
  const bubble = document.createElement("div");
  bubble.className = "bubble answer";
  const stages = document.createElement("ul");
  stages.className = "stages";
  stages.setAttribute("aria-label", "진행 단계");
  const card = document.createElement("div");
  card.hidden = true;
  const body = document.createElement("div");
  body.className = "body";
  body.setAttribute("aria-live", "polite");
  body.setAttribute("aria-busy", "true");
  bubble.append(stages, card, body);
  item.append(bubble);
  $("log").append(item);
  item.scrollIntoView({ block: "end" });
  return { item, stages, card, body, text: "", seen: 0 };
}

function showStage(view, data) {
  const name = STAGE_NAMES[data.stage] || data.stage;
  let chip = view.stages.querySelector(`[data-stage="${CSS.escape(data.stage)}"]`);
  if (!chip) {
    chip = document.createElement("li");
    chip.dataset.stage = data.stage;
    view.stages.append(chip);
  }
  chip.dataset.status = data.status;
  const label = { started: "진행 중", completed: "완료", skipped: "건너뜀", failed: "실패" }[data.status] || data.status;
  chip.textContent = `${name}: ${label}`;
  if (data.stage === "character" && data.status === "completed" && data.result?.character) {
    showCharacter(view, data.result.character, data.result.category);
  }
}

function showCharacter(view, name, category) {
  view.card.className = "card";
  view.card.hidden = false;
  view.card.setAttribute("aria-label", "캐릭터 카드");
  view.card.replaceChildren();
  const title = document.createElement("span");
  title.className = "name";
  title.textContent = name;
  const detail = document.createElement("span");
  detail.textContent = category ? `(${category})` : "";
  view.card.append(title, detail);
}

// The answer text has sections ("배출 방법:", "주의할 점:") with numbered or "- " lines.
function renderAnswer(view, final) {
  const container = document.createElement("div");
  let list = null;
  for (const raw of view.text.split("\n")) {
    const line = raw.trim();
    if (!line) { list = null; continue; }
    const numbered = line.match(/^(\d+)[.)]\s+(.*)$/);
    const bullet = line.match(/^[-•]\s+(.*)$/);
    if (numbered || bullet) {
      const tag = numbered ? "OL" : "UL";
      if (!list || list.tagName !== tag) { list = document.createElement(tag); container.append(list); }
      const item = document.createElement("li");
      item.textContent = numbered ? numbered[2] : bullet[1];
      list.append(item);
      continue;
    }
    list = null;
    const heading = line.match(/^([^:：]{1,30})[:：]$/);
    const element = document.createElement(heading ? "h4" : "p");
    element.textContent = heading ? heading[1] : line;
    container.append(element);
  }
  view.body.replaceChildren(container);
  if (final) view.body.setAttribute("aria-busy", "false");
}

// ---- SSE: fetch 스트림 (헤더로 토큰과 Last-Event-ID를 보냄), 끊기면 이어 받기 ----
async function follow(job, view) {
  let delay = 500;
  for (;;) {
    let response;
    try {
      const extra = { Accept: "text/event-stream" };
      if (job.lastId) extra["Last-Event-ID"] = job.lastId;
      response = await fetch(`${API}/${job.id}/events`, { headers: headers(extra) });
    } catch (error) {
      setStatus("연결이 끊겼습니다. 다시 연결하는 중…");
      await sleep(delay); delay = Math.min(delay * 2, 5000);
      continue;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      return finishWithError(view, body?.error?.message || `스트림 오류 (${response.status})`);
    }
    delay = 500;
    try {
      const outcome = await readEvents(response, job, view);
      if (outcome) return outcome;
    } catch (error) {
      setStatus("연결이 끊겼습니다. 다시 연결하는 중…");
    }
    await sleep(delay);
  }
}

async function readEvents(response, job, view) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return null;
    buffer += value;
    const blocks = buffer.split(/\r?\n\r?\n/);
    buffer = blocks.pop();
    for (const block of blocks) {
      const event = parseBlock(block);
      if (!event) continue;
      if (event.id) job.lastId = event.id;
      const outcome = handleEvent(event, job, view);
      if (outcome) { reader.cancel().catch(() => {}); return outcome; }
    }
  }
}

function parseBlock(block) {
  const event = { id: null, type: "message", data: "" };
  let any = false;
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") event.id = value;
    else if (field === "event") event.type = value;
    else if (field === "data") event.data += (event.data ? "\n" : "") + value;
    any = true;
  }
  return any ? event : null;
}

function handleEvent(event, job, view) {
  const data = event.data ? JSON.parse(event.data) : {};
  if (typeof data.seq === "number") {
    if (data.seq <= view.seen) return null;  // 이미 본 이벤트 (재연결 재생분)
    view.seen = data.seq;
  }
  switch (event.type) {
    case "reset":
      view.text = ""; view.stages.replaceChildren(); view.card.hidden = true; renderAnswer(view, false);
      setStatus("작업을 다시 시작했습니다.");
      return null;
    case "stage":
      showStage(view, data); setStatus(`${STAGE_NAMES[data.stage] || data.stage}…`);
      return null;
    case "token":
      view.text += data.content; renderAnswer(view, false);
      return null;
    case "needs_input":
      askLocation(job, data.message);
      return null;
    case "done":
      if (data.status === "waiting_human") return "waiting";
      if (data.status === "cancelled") { finishWithError(view, "위치 요청을 취소했습니다."); return "done"; }
      if (!view.text && data.answer) view.text = data.answer;  // e.g. a history replay without tokens
      renderAnswer(view, true);
      if (data.intent === "character" && data.category_label && view.card.hidden) {
        showCharacter(view, data.category_label, null);
      }
      setStatus("답변을 마쳤습니다.");
      return "done";
    case "error":
      finishWithError(view, data.message || "오류가 발생했습니다.");
      return "done";
    default:
      return null;
  }
}

function finishWithError(view, message) {
  const paragraph = document.createElement("p");
  paragraph.className = "error";
  paragraph.textContent = message;
  view.body.append(paragraph);
  view.body.setAttribute("aria-busy", "false");
  setStatus(message);
  return "done";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- 위치 요청 ----
function askLocation(job, message) {
  $("location-message").textContent = message || "가까운 장소를 찾으려면 위치가 필요해요.";
  $("location-prompt").hidden = false;
  $("use-geolocation").disabled = !("geolocation" in navigator);
  $("use-geolocation").focus();
  state.job = job;
}

async function sendInput(body) {
  const job = state.job;
  if (!job) return;
  try {
    await api(`${API}/${job.id}/input`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    $("location-prompt").hidden = true;
    state.job = null;
    job.resume();
  } catch (error) {
    setStatus(`보내지 못했습니다: ${error.message}`);
  }
}

function useGeolocation() {
  setStatus("위치를 확인하는 중…");
  navigator.geolocation.getCurrentPosition(
    (position) => sendInput({ type: "location", data: {
      latitude: position.coords.latitude, longitude: position.coords.longitude } }),
    (error) => setStatus(`위치를 가져오지 못했습니다 (${error.message}). 직접 입력해 주세요.`),
    { timeout: 10000 },
  );
}

// ---- 메시지 보내기 ----
async function send(event) {
  event.preventDefault();
  const textarea = $("message");
  const message = textarea.value.trim();
  if (!message || state.busy) return;
  state.busy = true;
  $("send").disabled = true;
  try {
    const sessionId = state.sessionId || (await newSession());
    const accepted = await api(`${API}/${sessionId}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify({ message }),
    });
    textarea.value = "";
    addUserTurn(message);
    const view = addAssistantTurn();
    const job = { id: accepted.job_id, lastId: null };
    for (;;) {
      const resumed = new Promise((resolve) => { job.resume = resolve; });
      const outcome = await follow(job, view);
      if (outcome !== "waiting") break;
      setStatus("위치를 기다리는 중입니다.");
      await resumed;
    }
  } catch (error) {
    setStatus(error.status === 429 ? error.message : `보내지 못했습니다: ${error.message}`);
  } finally {
    state.busy = false;
    $("send").disabled = false;
    textarea.focus();
  }
}

function init() {
  const saved = localStorage.getItem("eco2.token");
  if (saved) $("token").value = saved;
  $("token").addEventListener("change", () => {
    localStorage.setItem("eco2.token", $("token").value.trim());
    loadSessions();
  });
  $("composer").addEventListener("submit", send);
  $("message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("new-session").addEventListener("click", () => newSession().then(() => $("message").focus()));
  $("more-sessions").addEventListener("click", () => loadSessions(true));
  $("use-geolocation").addEventListener("click", useGeolocation);
  $("cancel-input").addEventListener("click", () => sendInput({ type: "cancel" }));
  $("manual-location").addEventListener("submit", (event) => {
    event.preventDefault();
    const latitude = Number($("latitude").value), longitude = Number($("longitude").value);
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
      setStatus("위도와 경도는 숫자로 입력해 주세요.");
      return;
    }
    sendInput({ type: "location", data: { latitude, longitude } });
  });
  loadSessions();
}

init();
