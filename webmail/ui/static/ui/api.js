// Talking to the server: JSON endpoints with the CSRF token, and a signed-out session
// sends the user back to the sign-in page.

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function handle(response) {
  if (response.status === 401) {
    window.location.href = "/";
    throw new ApiError("signed out", 401);
  }
  let data = {};
  try {
    data = await response.json();
  } catch (e) {
    data = { error: response.statusText };
  }
  if (!response.ok) throw new ApiError(data.error || "request failed", response.status);
  return data;
}

export async function getJSON(url) {
  return handle(await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }));
}

export async function postJSON(url, body) {
  return handle(
    await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    })
  );
}

// An upload with progress events (fetch has none for request bodies).
export function upload(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let data = {};
      try {
        data = JSON.parse(xhr.responseText);
      } catch (e) {
        data = { error: "upload failed" };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(data.error || "upload failed", xhr.status));
    };
    xhr.onerror = () => reject(new ApiError("upload failed", 0));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let statusTimer = null;
export function say(message) {
  const status = document.getElementById("status");
  status.textContent = message;
  status.classList.add("show");
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => status.classList.remove("show"), 3000);
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// "Dave Grohl <dave@band.test>" -> "Dave Grohl", as a list shows a sender; a bare
// address, or a name that is empty or only quotes, shows the address.
export function displayName(from) {
  const match = /^\s*"?(.*?)"?\s*<([^<>]*)>\s*$/.exec(from || "");
  if (!match) return from || "";
  return match[1].trim() || match[2];
}
