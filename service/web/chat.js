// opsqkv web chat: one page, no build step. Talks to /v1 with the pasted bearer token.
"use strict";

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("opsqkv-token") || "";
let sessionId = sessionStorage.getItem("opsqkv-session") || "web-" + Math.random().toString(36).slice(2, 10);

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function inline(s) {
  // s is already escaped: only our own tags are added.
  return s
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|\W)_([^_]+)_(?=\W|$)/g, "$1<em>$2</em>");
}

function cells(line) {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => inline(c.trim()));
}

// A small Markdown subset: paragraphs, pipe tables, bold, italics, code.
function markdown(text) {
  const out = [];
  const lines = escapeHtml(text).split("\n");
  let para = [];
  const flush = () => { if (para.length) { out.push("<p>" + inline(para.join("\n")) + "</p>"); para = []; } };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim().startsWith("|") && i + 1 < lines.length && /^\s*\|?\s*-+/.test(lines[i + 1])) {
      flush();
      const head = cells(line).map((c) => "<th>" + c + "</th>").join("");
      const rows = [];
      i += 2;
      while (i < lines.length && lines[i].trim().startsWith("|")) {
        rows.push("<tr>" + cells(lines[i]).map((c) => "<td>" + c + "</td>").join("") + "</tr>");
        i++;
      }
      i--;
      out.push('<table class="cmdb"><thead><tr>' + head + "</tr></thead><tbody>" + rows.join("") + "</tbody></table>");
    } else if (!line.trim()) {
      flush();
    } else {
      para.push(line);
    }
  }
  flush();
  return out.join("");
}

function addEntry(kind, html, agent) {
  const li = document.createElement("li");
  li.className = kind;
  if (agent) li.innerHTML = '<div class="agent">' + escapeHtml(agent) + "</div>";
  li.insertAdjacentHTML("beforeend", html);
  $("log").appendChild(li);
  li.scrollIntoView({ block: "end" });
  return li;
}

function citations(list) {
  if (!list || !list.length) return "";
  const items = list.map((c) => {
    const lines = c.lines ? ":" + c.lines[0] + "-" + c.lines[1] : "";
    return "<li>" + escapeHtml(c.source + lines) + (c.heading ? " › " + escapeHtml(c.heading) : "") + "</li>";
  });
  return '<ol class="citations">' + items.join("") + "</ol>";
}

function showPanel(panel) {
  if (!panel) { $("panel").hidden = true; return; }
  $("panel").hidden = false;
  $("panel-title").textContent = panel.title + (panel.ticket_id ? " " + panel.ticket_id : "");
  $("panel-phase").textContent = panel.phase;
  const body = $("slots").querySelector("tbody");
  body.innerHTML = "";
  for (const slot of panel.slots) {
    const tr = document.createElement("tr");
    tr.className = (slot.value === null ? "missing" : "filled") + (panel.pending === slot.name ? " pending" : "");
    tr.dataset.slot = slot.name;
    const mark = slot.value === null ? (slot.required ? "·" : "◦") : slot.verified ? "✓" : "?";
    const value = slot.value === null ? (slot.required ? "missing" : "optional") : slot.value;
    tr.innerHTML = "<td>" + mark + "</td><td>" + escapeHtml(slot.label) + '</td><td class="value">' + escapeHtml(value) + "</td>";
    body.appendChild(tr);
  }
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({ error: { code: "bad_response", message: "the server sent no JSON" } }));
  if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
  return data;
}

async function picture(li, url) {
  const response = await fetch(url, { headers: { Authorization: "Bearer " + token } });
  if (!response.ok) return;
  const img = document.createElement("img");
  img.className = "topology";
  img.alt = "topology picture";
  img.src = URL.createObjectURL(await response.blob());
  li.appendChild(img);
}

async function send(text) {
  addEntry("user", "<p>" + escapeHtml(text) + "</p>");
  $("send").disabled = true;
  try {
    const messageId = "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
    const reply = await api("POST", "/v1/sessions/" + encodeURIComponent(sessionId) + "/messages", { text, message_id: messageId });
    const li = addEntry("bot " + reply.agent, markdown(reply.text) + citations(reply.citations), reply.agent);
    if (reply.data && reply.data.picture) await picture(li, reply.data.picture);
    if (reply.panel || reply.agent === "ticket") showPanel(reply.panel);
  } catch (e) {
    addEntry("error", "<p>" + escapeHtml(String(e.message || e)) + "</p>", "error");
  } finally {
    $("send").disabled = false;
    $("text").focus();
  }
}

async function connect() {
  token = $("token").value.trim();
  sessionId = $("session").value.trim() || sessionId;
  $("session").value = sessionId;
  sessionStorage.setItem("opsqkv-token", token);
  sessionStorage.setItem("opsqkv-session", sessionId);
  $("log").innerHTML = "";
  try {
    const session = await api("GET", "/v1/sessions/" + encodeURIComponent(sessionId));
    for (const turn of session.turns) {
      addEntry(turn.role, markdown(turn.text), turn.role === "bot" ? turn.agent : null);
    }
    $("status").textContent = "resumed " + sessionId;
  } catch (e) {
    if (!/no session/.test(String(e.message))) {
      $("status").textContent = String(e.message);
      return;
    }
    $("status").textContent = "new session " + sessionId;
  }
  $("text").disabled = false;
  $("send").disabled = false;
  $("text").focus();
}

$("token").value = token;
$("session").value = sessionId;
$("login").addEventListener("submit", (ev) => { ev.preventDefault(); connect(); });
$("composer").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  send(text);
});
