// The three panes: folder tree, message list, reading pane; actions, drag and drop,
// keyboard shortcuts, theme, and live updates over a web socket.

import { displayName, el, formatSize, getJSON, postJSON, say } from "./api.js";
import { Composer } from "./compose.js";

const PAGE = 50;
const SPECIAL_ORDER = ["\\Inbox", "\\Drafts", "\\Sent", "\\Trash", "\\Junk", "\\Archive"];

class App {
  constructor(boot) {
    this.boot = boot;
    this.folders = boot.folders;
    this.folderId = (this.folders.find((f) => f.special === "\\Inbox") || this.folders[0]).id;
    this.rows = [];
    this.total = 0;
    this.selected = new Set();
    this.anchor = null;
    this.openId = null;
    this.message = null;
    this.sort = "date";
    this.dir = "desc";
    this.search = null; // {q, scope} while showing search results
    this.conversations = !!boot.conversations;
    this.expanded = new Set();
    this.composer = new Composer(this);
    this.list = document.getElementById("message-list");
    this.panes = document.getElementById("panes");
    this.frame = document.getElementById("r-body");
  }

  start() {
    this.wire();
    // The buttons are in the page before this module runs: say when they work (tests
    // wait for it rather than clicking into a page whose handlers are not there yet).
    document.body.dataset.ready = "yes";
    this.renderFolders();
    this.refreshList();
    this.connect();
    setInterval(() => this.refreshFolders(), 60000);
  }

  // ------------------------------------------------------------------ folders

  folder(id) {
    return this.folders.find((f) => f.id === id);
  }

  async refreshFolders() {
    try {
      this.folders = (await getJSON("/api/folders")).folders;
      if (!this.folder(this.folderId)) this.folderId = this.folders[0].id;
      this.renderFolders();
    } catch (e) {
      /* shown on the next action */
    }
  }

  renderFolders() {
    const children = new Map();
    for (const f of this.folders) {
      const key = f.parent || 0;
      if (!children.has(key)) children.set(key, []);
      children.get(key).push(f);
    }
    const rank = (f) => {
      const i = SPECIAL_ORDER.indexOf(f.special);
      return i === -1 ? 100 : i;
    };
    const build = (parent) =>
      (children.get(parent) || [])
        .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
        .map((f) => {
          const label = f.special === "\\Inbox" ? "Inbox" : f.name;
          const row = el(
            "div",
            {
              class: "folder",
              role: "treeitem",
              tabindex: f.id === this.folderId ? "0" : "-1",
              "aria-selected": f.id === this.folderId ? "true" : "false",
              "aria-label": f.unread ? `${label}, ${f.unread} unread` : label,
              draggable: f.isDefault ? "false" : "true",
              dataset: { folderId: f.id },
            },
            el("span", { class: "name" }, label),
            el("span", { class: "count" }, f.unread ? String(f.unread) : "")
          );
          row.addEventListener("click", () => this.openFolder(f.id));
          row.addEventListener("keydown", (e) => {
            if (e.key === "Enter") this.openFolder(f.id);
          });
          this.makeDropTarget(row, f);
          row.addEventListener("dragstart", (e) => {
            e.dataTransfer.setData("application/x-mail-folder", String(f.id));
            e.dataTransfer.effectAllowed = "move";
          });
          const kids = build(f.id);
          return el("li", {}, row, kids.length ? el("ul", { role: "group" }, kids) : null);
        });
    document.getElementById("folder-tree").replaceChildren(...build(0));
    const current = this.folder(this.folderId);
    if (current && !this.search) {
      document.getElementById("list-title").textContent = current.special === "\\Inbox" ? "Inbox" : current.name;
    }
    document.title = `${current && current.unread ? `(${current.unread}) ` : ""}Mail - ${this.boot.address}`;
  }

  makeDropTarget(row, folder) {
    row.addEventListener("dragover", (e) => {
      const types = [...e.dataTransfer.types];
      if (!types.includes("application/x-mail-ids") && !types.includes("application/x-mail-folder")) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = e.ctrlKey ? "copy" : "move";
      row.classList.add("drop");
    });
    row.addEventListener("dragleave", () => row.classList.remove("drop"));
    row.addEventListener("drop", async (e) => {
      e.preventDefault();
      row.classList.remove("drop");
      const ids = e.dataTransfer.getData("application/x-mail-ids");
      const folderDrag = e.dataTransfer.getData("application/x-mail-folder");
      if (ids) {
        await this.act(e.ctrlKey ? "copy" : "move", JSON.parse(ids), folder.id);
      } else if (folderDrag && Number(folderDrag) !== folder.id) {
        await this.folderAction(Number(folderDrag), { action: "move", parent: folder.id });
      }
    });
  }

  openFolder(id) {
    this.folderId = id;
    this.search = null;
    document.getElementById("search-input").value = "";
    this.selected.clear();
    this.expanded.clear();
    this.renderFolders();
    this.refreshList();
    this.showView("list");
  }

  async folderAction(id, body) {
    try {
      const data = await postJSON(`/api/folders/${id}`, body);
      this.folders = data.folders;
      if (!this.folder(this.folderId)) this.folderId = this.folders[0].id;
      this.renderFolders();
      this.refreshList();
    } catch (err) {
      say(err.message);
    }
  }

  async folderTool(kind) {
    const current = this.folder(this.folderId);
    if (kind === "new") {
      const name = window.prompt("New folder name");
      if (!name) return;
      try {
        const parent = current && !current.special ? current.id : null;
        this.folders = (await postJSON("/api/folders", { name, parent })).folders;
        this.renderFolders();
      } catch (err) {
        say(err.message);
      }
    } else if (kind === "rename") {
      const name = window.prompt("Rename folder", current.name);
      if (name) await this.folderAction(current.id, { action: "rename", name });
    } else if (kind === "move") {
      const target = await this.pickFolder("Move the folder into", true);
      if (target !== null) await this.folderAction(current.id, { action: "move", parent: target });
    } else if (kind === "delete") {
      if (window.confirm(`Delete the folder "${current.name}"?`)) await this.folderAction(current.id, { action: "delete" });
    } else if (kind === "empty") {
      if (window.confirm(`Delete everything in "${current.name}" for good?`)) await this.folderAction(current.id, { action: "empty" });
    }
  }

  pickFolder(title, allowTop = false) {
    const dialog = document.getElementById("folder-picker");
    document.getElementById("picker-title").textContent = title;
    return new Promise((resolve) => {
      let chosen = null;
      const pick = (id) => {
        chosen = id;
        dialog.close();
      };
      const items = this.folders.map((f) =>
        el("li", { tabindex: "0", role: "button", onclick: () => pick(f.id), onkeydown: (e) => e.key === "Enter" && pick(f.id) }, f.special === "\\Inbox" ? "Inbox" : f.path)
      );
      if (allowTop) items.unshift(el("li", { tabindex: "0", role: "button", onclick: () => pick(0) }, "(top level)"));
      document.getElementById("picker-list").replaceChildren(...items);
      dialog.addEventListener("close", () => resolve(chosen), { once: true });
      dialog.showModal();
    });
  }

  // ------------------------------------------------------------------ list

  listUrl(limit, after) {
    const unread = document.getElementById("unread-only").checked ? "&unread=1" : "";
    const from = after ? `&after=${encodeURIComponent(after)}` : "";
    return `/api/folders/${this.folderId}/messages?sort=${this.sort}&dir=${this.dir}&limit=${limit}${unread}${from}`;
  }

  async refreshList() {
    const wanted = this.search ? `search:${this.search.q}` : `${this.folderId}`;
    this.listKey = wanted;
    try {
      let data;
      if (this.search) {
        const scope = this.search.scope === "current" ? `&folder=${this.folderId}` : "";
        data = await getJSON(`/api/search?q=${encodeURIComponent(this.search.q)}${scope}`);
      } else {
        // Keep as many rows as were shown, so a live refresh does not shrink the list.
        const limit = Math.max(PAGE, Math.min(200, this.rows.length));
        data = await getJSON(this.listUrl(limit));
      }
      if (this.listKey !== wanted) return;
      this.rows = data.rows;
      this.total = data.total;
      this.renderList();
    } catch (err) {
      say(err.message);
    }
  }

  async loadMore() {
    if (this.search || this.rows.length >= this.total || this.loading) return;
    this.loading = true;
    try {
      // Keyset paging: the next page starts after the last row shown (cheap at any depth).
      const data = await getJSON(this.listUrl(PAGE, this.rows[this.rows.length - 1].cursor));
      const known = new Set(this.rows.map((r) => r.id));
      this.rows.push(...data.rows.filter((r) => !known.has(r.id)));
      this.total = data.total;
      this.renderList();
    } finally {
      this.loading = false;
    }
  }

  visibleRows() {
    if (!this.conversations || this.search) return this.rows.map((r) => ({ row: r, count: 0, child: false }));
    const groups = new Map();
    const order = [];
    for (const r of this.rows) {
      const key = r.thread || `single-${r.id}`;
      if (!groups.has(key)) {
        groups.set(key, []);
        order.push(key);
      }
      groups.get(key).push(r);
    }
    const out = [];
    for (const key of order) {
      const [head, ...rest] = groups.get(key);
      out.push({ row: head, count: rest.length + 1, child: false, key, unread: groups.get(key).some((r) => !r.seen) });
      if (this.expanded.has(key)) for (const r of rest) out.push({ row: r, count: 0, child: true });
    }
    return out;
  }

  renderList() {
    const items = this.visibleRows().map((entry) => this.renderRow(entry));
    this.list.replaceChildren(...items);
    document.getElementById("list-empty").hidden = this.rows.length > 0;
    document.getElementById("list-empty").textContent = this.search ? "No results." : "Nothing in this folder.";
    document.getElementById("load-more").hidden = !!this.search || this.rows.length >= this.total;
    document.getElementById("list-count").textContent = this.search ? `${this.total} found` : `${this.total}`;
    document.getElementById("select-all").checked = this.rows.length > 0 && this.selected.size === this.rows.length;
  }

  renderRow({ row, count, child, key, unread }) {
    const date = new Date(row.date);
    const today = new Date();
    const when =
      date.toDateString() === today.toDateString()
        ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
        : date.toLocaleDateString([], { month: "short", day: "numeric", year: date.getFullYear() === today.getFullYear() ? undefined : "numeric" });
    const marks = [row.flagged ? "⚑" : "", row.answered ? "↩" : "", row.forwarded ? "→" : "", row.draft ? "[Draft]" : ""]
      .filter(Boolean)
      .join(" ");
    const check = el("input", { type: "checkbox", class: "check", "aria-label": "Select", tabindex: "-1" });
    check.checked = this.selected.has(row.id);
    check.addEventListener("click", (e) => {
      e.stopPropagation();
      this.toggleSelect(row.id, check.checked);
    });
    const isUnread = unread !== undefined ? unread : !row.seen;
    const expander =
      count > 1
        ? el("button", { type: "button", class: "expand", "aria-label": this.expanded.has(key) ? "Collapse conversation" : "Expand conversation", onclick: (e) => { e.stopPropagation(); this.toggleThread(key); } }, this.expanded.has(key) ? "▾" : "▸")
        : null;
    const li = el(
      "li",
      {
        role: "option",
        class: `${isUnread ? "unread" : ""} ${child ? "child" : ""}`,
        "aria-selected": this.selected.has(row.id) || row.id === this.openId ? "true" : "false",
        draggable: "true",
        dataset: { id: row.id },
        title: row.subject,
      },
      check,
      el("span", { class: "from", title: row.from || "" }, expander, displayName(row.from) || "(unknown sender)", count > 1 ? el("span", { class: "thread-count" }, `(${count})`) : null),
      el("span", { class: "date" }, when),
      el("span", { class: "subject" }, row.subject || "(no subject)"),
      el(
        "span",
        { class: "marks" },
        row.attachment ? el("span", { class: "clip", role: "img", "aria-label": "Has attachment", title: "Has attachment" }) : null,
        marks,
        " ",
        el("span", { class: "size" }, formatSize(row.size))
      ),
      el("span", { class: "preview" }, row.folderName ? el("span", { class: "folder-name" }, `${row.folderName} · `) : null, row.preview)
    );
    li.addEventListener("click", (e) => this.rowClick(e, row));
    li.addEventListener("dblclick", () => row.draft && this.editDraft(row.id));
    li.addEventListener("dragstart", (e) => {
      const ids = this.selected.has(row.id) ? [...this.selected] : [row.id];
      e.dataTransfer.setData("application/x-mail-ids", JSON.stringify(ids));
      e.dataTransfer.setData("text/plain", row.subject || "message");
      e.dataTransfer.effectAllowed = "copyMove";
    });
    return li;
  }

  toggleThread(key) {
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
    this.renderList();
  }

  toggleSelect(id, on) {
    if (on) this.selected.add(id);
    else this.selected.delete(id);
    this.renderList();
  }

  rowClick(e, row) {
    if (e.shiftKey && this.anchor !== null) {
      const ids = this.rows.map((r) => r.id);
      const [a, b] = [ids.indexOf(this.anchor), ids.indexOf(row.id)].sort((x, y) => x - y);
      for (const id of ids.slice(a, b + 1)) this.selected.add(id);
      this.renderList();
      return;
    }
    if (e.ctrlKey || e.metaKey) {
      this.toggleSelect(row.id, !this.selected.has(row.id));
      this.anchor = row.id;
      return;
    }
    this.selected.clear();
    this.anchor = row.id;
    if (row.draft) {
      this.editDraft(row.id);
      return;
    }
    this.openMessage(row.id);
  }

  targetIds() {
    if (this.selected.size) return [...this.selected];
    return this.openId ? [this.openId] : [];
  }

  async act(action, ids, target) {
    ids = ids || this.targetIds();
    if (!ids.length) return;
    if ((action === "move" || action === "copy") && target === undefined) {
      target = await this.pickFolder(action === "move" ? "Move the selected items into" : "Copy the selected items into");
      if (target === null) return;
    }
    try {
      await postJSON("/api/actions", { action, ids, target });
    } catch (err) {
      say(err.message);
      return;
    }
    const leaving = ["move", "delete", "junk", "purge", "notjunk"].includes(action);
    if (leaving) {
      const next = this.neighbour(ids);
      this.rows = this.rows.filter((r) => !ids.includes(r.id));
      this.total -= ids.length;
      this.selected.clear();
      if (ids.includes(this.openId)) {
        if (next) this.openMessage(next);
        else this.closeReader();
      }
      this.renderList();
    } else {
      for (const r of this.rows) {
        if (!ids.includes(r.id)) continue;
        if (action === "read" || action === "unread") r.seen = action === "read";
        if (action === "flag" || action === "unflag") r.flagged = action === "flag";
      }
      if (this.message && ids.includes(this.message.id) && (action === "flag" || action === "unflag")) {
        this.message.flagged = action === "flag";
        document.getElementById("r-flag").textContent = this.message.flagged ? "Unflag" : "Flag";
      }
      this.renderList();
    }
    const verb = { move: "Moved", copy: "Copied", delete: "Deleted", junk: "Moved to Junk Email", purge: "Deleted" }[action];
    if (verb) say(`${verb} ${ids.length} item${ids.length === 1 ? "" : "s"}`);
    this.refreshFolders();
  }

  neighbour(ids) {
    const index = this.rows.findIndex((r) => r.id === this.openId);
    if (index === -1) return null;
    for (const r of [...this.rows.slice(index + 1), ...this.rows.slice(0, index).reverse()]) {
      if (!ids.includes(r.id)) return r.id;
    }
    return null;
  }

  // ------------------------------------------------------------------ reading pane

  async openMessage(id, { images = false } = {}) {
    this.openId = id;
    let m;
    try {
      m = await getJSON(`/api/messages/${id}`);
    } catch (err) {
      say(err.message);
      return;
    }
    if (this.openId !== id) return;
    this.message = m;
    const row = this.rows.find((r) => r.id === id);
    if (row && !row.seen) {
      row.seen = true;
      this.refreshFolders();
    }
    this.renderList();
    const names = (list) => list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(", ");
    document.getElementById("reader-empty").hidden = true;
    document.getElementById("reader").hidden = false;
    document.getElementById("r-subject").textContent = m.subject || "(no subject)";
    document.getElementById("r-from").textContent = names(m.from);
    document.getElementById("r-to").textContent = names(m.to);
    document.getElementById("r-cc").textContent = names(m.cc);
    document.getElementById("r-cc-row").hidden = !m.cc.length;
    document.getElementById("r-date").textContent = new Date(m.date).toLocaleString();
    document.getElementById("r-importance").textContent = m.importance === "high" ? "High importance" : m.importance === "low" ? "Low importance" : "";
    document.getElementById("r-flag").textContent = m.flagged ? "Unflag" : "Flag";
    document.getElementById("r-source").href = m.sourceUrl;
    document.getElementById("r-print").href = m.printUrl;
    document.getElementById("r-receipt").hidden = !m.receiptRequested;
    document.getElementById("r-headers").hidden = true;
    document.getElementById("r-attachments").replaceChildren(
      ...m.attachments.map((a) => el("li", {}, el("a", { href: a.url, download: a.name }, a.name), el("span", { class: "muted" }, formatSize(a.size))))
    );
    this.showBody(images || m.imagesTrusted);
    this.showView("reader");
  }

  showBody(images) {
    const m = this.message;
    const banner = document.getElementById("r-images");
    banner.hidden = true;
    this.frame.onload = () => {
      let blocked = 0;
      try {
        const doc = this.frame.contentDocument;
        const meta = doc.querySelector('meta[name="remote-blocked"]');
        blocked = meta ? Number(meta.content) : 0;
        this.frame.style.height = `${Math.max(doc.documentElement.scrollHeight + 16, 200)}px`;
      } catch (e) {
        /* not same-origin: keep the default height */
      }
      banner.hidden = images || !blocked;
    };
    this.frame.src = `${m.bodyUrl}${images ? "?images=1" : ""}`;
  }

  closeReader() {
    this.openId = null;
    this.message = null;
    document.getElementById("reader").hidden = true;
    document.getElementById("reader-empty").hidden = false;
    this.frame.src = "about:blank";
  }

  async toggleHeaders() {
    const pre = document.getElementById("r-headers");
    if (!pre.hidden) {
      pre.hidden = true;
      return;
    }
    const response = await fetch(this.message.sourceUrl, { credentials: "same-origin" });
    const text = await response.text();
    const end = text.search(/\r?\n\r?\n/);
    pre.textContent = end === -1 ? text : text.slice(0, end);
    pre.hidden = false;
  }

  async command(cmd) {
    const m = this.message;
    if (!m) return;
    if (["reply", "replyall", "forward", "forward-attach"].includes(cmd)) {
      try {
        const state = await getJSON(`/api/messages/${m.id}/compose?mode=${cmd}`);
        await this.composer.open(state);
      } catch (err) {
        say(err.message);
      }
    } else if (cmd === "flag") {
      await this.act(m.flagged ? "unflag" : "flag", [m.id]);
    } else if (cmd === "unread") {
      await this.act("unread", [m.id]);
    } else if (cmd === "headers") {
      await this.toggleHeaders();
    } else {
      await this.act(cmd, [m.id]);
    }
  }

  async editDraft(id) {
    try {
      const state = await getJSON(`/api/messages/${id}/compose?mode=edit`);
      await this.composer.open(state, { signature: false });
    } catch (err) {
      say(err.message);
    }
  }

  newMessage() {
    this.composer.open({});
  }

  showView(view) {
    this.panes.dataset.view = view;
  }

  // ------------------------------------------------------------------ live updates

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let delay = 1000;
    let refresh = null;
    const open = (reconnect) => {
      const socket = new WebSocket(`${scheme}://${location.host}/ws/mail/`);
      socket.onopen = () => {
        delay = 1000;
        // Events may have been missed while disconnected: re-check what is shown.
        if (reconnect) {
          this.refreshFolders();
          this.refreshList();
        }
        document.body.dataset.live = "on";
      };
      socket.onmessage = (e) => {
        const event = JSON.parse(e.data);
        clearTimeout(refresh);
        refresh = setTimeout(() => {
          this.refreshFolders();
          if (event.scope === "folder" && event.folder === this.folderId && !this.search) this.refreshList();
        }, 150);
      };
      socket.onclose = () => {
        document.body.dataset.live = "off";
        setTimeout(() => open(true), delay);
        delay = Math.min(delay * 2, 30000);
      };
    };
    open(false);
  }

  // ------------------------------------------------------------------ wiring

  wire() {
    document.getElementById("new-message").addEventListener("click", () => this.newMessage());
    document.getElementById("new-message-fab").addEventListener("click", () => this.newMessage());
    document.getElementById("load-more").addEventListener("click", () => this.loadMore());
    document.getElementById("list-pane").addEventListener("scroll", (e) => {
      const pane = e.target;
      if (pane.scrollTop + pane.clientHeight > pane.scrollHeight - 300) this.loadMore();
    });
    document.getElementById("sort-key").addEventListener("change", (e) => {
      this.sort = e.target.value;
      this.rows = [];
      this.refreshList();
    });
    document.getElementById("sort-dir").addEventListener("click", (e) => {
      this.dir = this.dir === "desc" ? "asc" : "desc";
      e.target.textContent = this.dir === "desc" ? "↓" : "↑";
      e.target.setAttribute("aria-label", this.dir === "desc" ? "Sort order: descending" : "Sort order: ascending");
      this.rows = [];
      this.refreshList();
    });
    const conv = document.getElementById("conversations");
    conv.checked = this.conversations;
    conv.addEventListener("change", () => {
      this.conversations = conv.checked;
      postJSON("/api/preferences", { conversations: conv.checked }).catch(() => {});
      this.renderList();
    });
    document.getElementById("unread-only").addEventListener("change", () => {
      this.rows = [];
      this.refreshList();
    });
    document.getElementById("select-all").addEventListener("change", (e) => {
      this.selected = new Set(e.target.checked ? this.rows.map((r) => r.id) : []);
      this.renderList();
    });
    for (const button of document.querySelectorAll("#bulk-bar [data-action]")) {
      button.addEventListener("click", () => this.act(button.dataset.action));
    }
    for (const button of document.querySelectorAll("#reader [data-cmd]")) {
      button.addEventListener("click", () => this.command(button.dataset.cmd));
    }
    for (const button of document.querySelectorAll("[data-back]")) {
      button.addEventListener("click", () => this.showView(button.dataset.back));
    }
    document.getElementById("nav-toggle").addEventListener("click", () => this.showView(this.panes.dataset.view === "folders" ? "list" : "folders"));
    for (const kind of ["new", "rename", "move", "delete", "empty"]) {
      document.getElementById(`folder-${kind}`).addEventListener("click", () => this.folderTool(kind));
    }
    document.getElementById("show-images").addEventListener("click", () => this.showBody(true));
    for (const [id, send] of [["receipt-yes", true], ["receipt-no", false]]) {
      document.getElementById(id).addEventListener("click", async () => {
        if (!this.message) return;
        try {
          await postJSON(`/api/messages/${this.message.id}/receipt`, { send });
          document.getElementById("r-receipt").hidden = true;
          if (send) say("Read receipt sent");
        } catch (err) {
          say(err.message);
        }
      });
    }
    document.getElementById("trust-sender").addEventListener("click", async () => {
      const from = this.message && this.message.from[0];
      if (!from) return;
      await postJSON("/api/trust", { address: from.address });
      say(`Images from ${from.address} will always be shown`);
      this.showBody(true);
    });
    document.getElementById("search-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const q = document.getElementById("search-input").value.trim();
      this.search = q ? { q, scope: document.getElementById("search-scope").value } : null;
      this.selected.clear();
      document.getElementById("list-title").textContent = q ? `Results for "${q}"` : "";
      if (!q) this.renderFolders();
      this.refreshList();
      this.showView("list");
    });
    const theme = document.getElementById("theme-toggle");
    const dark = () => document.documentElement.dataset.theme === "dark" || (!document.documentElement.dataset.theme && matchMedia("(prefers-color-scheme: dark)").matches);
    theme.setAttribute("aria-pressed", String(dark()));
    theme.addEventListener("click", () => {
      const next = dark() ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      try {
        localStorage.setItem("theme", next);
      } catch (e) {
        /* not remembered */
      }
      theme.setAttribute("aria-pressed", String(next === "dark"));
    });
    document.getElementById("shortcuts-button").addEventListener("click", () => document.getElementById("shortcuts").showModal());
    document.addEventListener("keydown", (e) => this.key(e));
  }

  key(e) {
    const target = e.target;
    if (target.closest && (target.closest("input, select, textarea, [contenteditable='true'], dialog") || this.composer.isOpen)) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const k = e.key;
    const run = (fn) => {
      e.preventDefault();
      fn();
    };
    if (ctrl && (k === "q" || k === "Q")) return run(() => this.act("read"));
    if (ctrl && (k === "u" || k === "U")) return run(() => this.act("unread"));
    if (ctrl || e.altKey) return;
    if (k === "n" || k === "N") return run(() => this.newMessage());
    if (k === "R") return run(() => this.command("replyall"));
    if (k === "r") return run(() => this.command("reply"));
    if (k === "f" || k === "F") return run(() => this.command("forward"));
    if (k === "Delete" || k === "#") return run(() => this.act(e.shiftKey ? "purge" : "delete"));
    if (k === "j" || k === "ArrowDown") return run(() => this.step(1));
    if (k === "k" || k === "ArrowUp") return run(() => this.step(-1));
    if (k === "q") return run(() => this.act("read"));
    if (k === "u") return run(() => this.act("unread"));
    if (k === "Insert" || k === "s") return run(() => this.command("flag"));
    if (k === "v") return run(() => this.act("move"));
    if (k === "/") return run(() => document.getElementById("search-input").focus());
    if (k === "?") return run(() => document.getElementById("shortcuts").showModal());
    if (k === "Escape") return run(() => this.showView("list"));
  }

  step(delta) {
    const visible = this.visibleRows().map((v) => v.row.id);
    if (!visible.length) return;
    const index = visible.indexOf(this.openId);
    const next = visible[Math.max(0, Math.min(visible.length - 1, index === -1 ? 0 : index + delta))];
    this.openMessage(next);
    const li = this.list.querySelector(`[data-id="${next}"]`);
    if (li) li.scrollIntoView({ block: "nearest" });
  }
}

const boot = JSON.parse(document.getElementById("boot").textContent);
window.mailApp = new App(boot);
window.mailApp.start();
