// The compose panel: rich text, recipients with completion, attachments with progress,
// automatic saving to Drafts, sending.

import { el, formatSize, getJSON, postJSON, say, upload } from "./api.js";

const AUTOSAVE_MS = 3000;

export class Composer {
  constructor(app) {
    this.app = app;
    this.panel = document.getElementById("compose");
    this.form = document.getElementById("compose-form");
    this.body = document.getElementById("c-body");
    this.fields = {
      to: document.getElementById("c-to"),
      cc: document.getElementById("c-cc"),
      bcc: document.getElementById("c-bcc"),
      subject: document.getElementById("c-subject"),
      importance: document.getElementById("c-importance"),
      receipt: document.getElementById("c-receipt"),
    };
    this.list = document.getElementById("c-attachments");
    this.status = document.getElementById("draft-status");
    this.state = null;
    this.timer = null;
    this.saving = null;
    this.wire();
  }

  wire() {
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    document.getElementById("discard").addEventListener("click", () => this.discard());
    document.getElementById("attach-input").addEventListener("change", (e) => {
      for (const file of e.target.files) this.attach(file);
      e.target.value = "";
    });
    for (const button of this.form.querySelectorAll("[data-format]")) {
      button.addEventListener("click", () => this.format(button.dataset.format));
    }
    document.getElementById("edit-signature").addEventListener("click", () => this.editSignature());
    const changed = () => this.changed();
    this.body.addEventListener("input", changed);
    for (const field of Object.values(this.fields)) {
      field.addEventListener("input", changed);
      field.addEventListener("change", changed);
    }
    for (const name of ["to", "cc", "bcc"]) {
      this.fields[name].addEventListener("input", (e) => this.complete(e.target));
    }
    this.panel.addEventListener("dragover", (e) => {
      if (![...e.dataTransfer.types].includes("Files")) return;
      e.preventDefault();
      this.panel.classList.add("dragover");
    });
    this.panel.addEventListener("dragleave", () => this.panel.classList.remove("dragover"));
    this.panel.addEventListener("drop", (e) => {
      this.panel.classList.remove("dragover");
      if (!e.dataTransfer.files.length) return;
      e.preventDefault();
      for (const file of e.dataTransfer.files) this.attach(file);
    });
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.send();
      } else if (e.key === "Escape") {
        e.preventDefault();
        this.close(true);
      }
    });
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  // state: {to, cc, bcc, subject, html, attachments, importance, receipt, draftId,
  //         inReplyTo, references, replyOf, forwardOf, attachOriginal, originalName}
  async open(state, { signature = true } = {}) {
    if (this.isOpen) await this.close(true);
    this.state = { attachments: [], ...state };
    this.fields.to.value = state.to || "";
    this.fields.cc.value = state.cc || "";
    this.fields.bcc.value = state.bcc || "";
    this.fields.subject.value = state.subject || "";
    this.fields.importance.value = state.importance || "normal";
    this.fields.receipt.checked = !!state.receipt;
    const sig = signature && this.app.boot.signature ? `<p><br></p><div class="signature">${this.app.boot.signature}</div>` : "";
    this.body.innerHTML = (state.html && !state.draftId ? sig + state.html : state.html) || `<p><br></p>${sig}`;
    this.renderAttachments();
    this.status.textContent = "";
    this.dirty = false;
    this.panel.hidden = false;
    (this.fields.to.value ? this.body : this.fields.to).focus();
  }

  payload() {
    return {
      draftId: this.state.draftId || null,
      to: this.fields.to.value,
      cc: this.fields.cc.value,
      bcc: this.fields.bcc.value,
      subject: this.fields.subject.value,
      html: this.body.innerHTML,
      importance: this.fields.importance.value,
      receipt: this.fields.receipt.checked,
      attachments: this.state.attachments.filter((a) => a.id).map((a) => a.id),
      inReplyTo: this.state.inReplyTo || null,
      references: this.state.references || [],
      replyOf: this.state.replyOf || null,
      forwardOf: this.state.forwardOf || null,
      attachOriginal: !!this.state.attachOriginal,
    };
  }

  changed() {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.saveDraft(), AUTOSAVE_MS);
  }

  async saveDraft() {
    clearTimeout(this.timer);
    if (!this.state || !this.dirty) return;
    if (this.saving) await this.saving;
    this.dirty = false;
    this.status.textContent = "Saving…";
    this.saving = postJSON("/api/drafts", this.payload())
      .then((result) => {
        if (this.state) this.state.draftId = result.draftId;
        const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        this.status.textContent = `Draft saved at ${time}`;
        this.app.refreshFolders();
      })
      .catch((err) => {
        this.dirty = true;
        this.status.textContent = `Draft not saved: ${err.message}`;
      })
      .finally(() => {
        this.saving = null;
      });
    return this.saving;
  }

  async send() {
    if (!this.state) return;
    if (this.state.attachments.some((a) => !a.id)) {
      say("Wait for the attachments to finish uploading");
      return;
    }
    clearTimeout(this.timer);
    if (this.saving) await this.saving;
    const button = document.getElementById("send");
    button.disabled = true;
    try {
      await postJSON("/api/send", this.payload());
      this.state = null;
      this.panel.hidden = true;
      say("Message sent");
      this.app.refreshFolders();
      this.app.refreshList();
    } catch (err) {
      say(`Not sent: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  }

  async close(save) {
    clearTimeout(this.timer);
    if (save && this.dirty) await this.saveDraft();
    if (this.saving) await this.saving;
    this.state = null;
    this.panel.hidden = true;
  }

  async discard() {
    const state = this.state;
    await this.close(false);
    if (state && state.draftId) {
      await postJSON("/api/actions", { action: "purge", ids: [state.draftId] }).catch(() => {});
      this.app.refreshFolders();
      this.app.refreshList();
    }
    for (const a of (state && state.attachments) || []) {
      if (a.id) postJSON(`/api/uploads/${a.id}/discard`).catch(() => {});
    }
  }

  attach(file) {
    const entry = { name: file.name, size: file.size, progress: 0 };
    this.state.attachments.push(entry);
    this.renderAttachments();
    upload("/api/uploads", file, (fraction) => {
      entry.progress = fraction;
      if (entry.bar) entry.bar.value = fraction;
    })
      .then((result) => {
        Object.assign(entry, result, { progress: 1 });
        this.renderAttachments();
        this.changed();
      })
      .catch((err) => {
        this.state.attachments = this.state.attachments.filter((a) => a !== entry);
        this.renderAttachments();
        say(`${file.name}: ${err.message}`);
      });
  }

  renderAttachments() {
    const items = [];
    if (this.state.attachOriginal) {
      items.push(el("li", {}, `${this.state.originalName || "message.eml"} (original message)`));
    }
    for (const a of this.state.attachments) {
      const remove = el("button", { type: "button", "aria-label": `Remove ${a.name}` }, "×");
      remove.addEventListener("click", () => {
        this.state.attachments = this.state.attachments.filter((x) => x !== a);
        if (a.id) postJSON(`/api/uploads/${a.id}/discard`).catch(() => {});
        this.renderAttachments();
        this.changed();
      });
      a.bar = a.id ? null : el("progress", { max: "1", value: String(a.progress || 0), "aria-label": `Uploading ${a.name}` });
      items.push(el("li", {}, el("span", {}, a.name), el("span", { class: "muted" }, formatSize(a.size || 0)), a.bar, remove));
    }
    this.list.replaceChildren(...items);
  }

  format(command) {
    this.body.focus();
    if (command === "createLink") {
      const url = window.prompt("Link address", "https://");
      if (url && /^(https?:|mailto:)/i.test(url)) document.execCommand("createLink", false, url);
    } else {
      document.execCommand(command, false, null);
    }
    this.changed();
  }

  async complete(input) {
    const value = input.value.split(/[,;]/).pop().trim();
    if (value.length < 2) return;
    try {
      const data = await getJSON(`/api/addresses?q=${encodeURIComponent(value)}`);
      const prefix = input.value.includes(",") ? input.value.slice(0, input.value.lastIndexOf(",") + 1) + " " : "";
      document.getElementById("address-options").replaceChildren(
        ...data.addresses.map((a) => el("option", { value: prefix + a }))
      );
    } catch (e) {
      /* completion is a convenience */
    }
  }

  async editSignature() {
    const current = this.app.boot.signature || "";
    const text = window.prompt("Signature (added to new messages)", current.replace(/<[^>]+>/g, " ").trim());
    if (text === null) return;
    const html = text ? `<p>${text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c])}</p>` : "";
    const saved = await postJSON("/api/preferences", { signature: html });
    this.app.boot.signature = saved.signature;
    say("Signature saved");
  }
}
