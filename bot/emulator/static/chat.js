// Web chat for the local Telegram emulator: plays the user's side through the control API
// (/api/chats/{id}/...) and long-polls the chat's messages. No build step, no libraries.
(() => {
  "use strict";

  // ?persoon=N (1 to 99) is a person of their own: chat id 9000 + N and a first name, so that
  // a buddy and a learner can be tried side by side in two tabs, and tests know whose chat is
  // whose. Without it: this browser's one chat with a random id. Mirrored in people.py.
  const PEOPLE = ["Sara", "Jan", "Fatima", "Piet", "Amira", "Kees", "Noor", "Ahmed", "Lotte"];
  const MAX_PERSON = 99;
  const PERSON_CHAT_BASE = 9000;
  const PERSON = personFromUrl();
  const STORAGE_KEY = PERSON ? `taalmaatje.persoon.${PERSON}.chatId` : "taalmaatje.chatId";
  const LAST_PERSON_KEY = "taalmaatje.laatstePersoon"; // the highest person this browser was
  const NAME = PERSON ? PEOPLE[PERSON - 1] || `Persoon ${PERSON}` : "";
  // A Telegram deep link (t.me/<bot>?start=<payload>) in a bot message opens here.
  const DEEP_LINK = /https:\/\/t\.me\/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]{1,64})(?![\w-])/g;
  const POLL_SECONDS = 25;
  // What a request_contact button shares: the emulator's sample number, or ?telefoon=...
  const PHONE_NUMBER = phoneFromUrl() || "+31612345678";
  const $ = (id) => document.getElementById(id);
  const view = {
    scroller: $("gesprek"),
    list: $("berichten"),
    empty: $("leeg"),
    form: $("invoer"),
    input: $("tekst"),
    send: $("stuur"),
    start: $("start"),
    fresh: $("nieuw"),
    voice: $("spraak"),
    photo: $("foto"),
    person: $("persoon"),
    status: $("status"),
    notice: $("melding"),
    keyboard: $("toetsenbord"),
  };

  let chatId = loadChatId();
  let seq = 0;
  let poller = null; // AbortController of the running poll loop
  let keyboardFrom = 0; // message_id of the bot message whose reply keyboard is shown
  let noticeTimer = 0;
  let atBottom = true; // follow new messages unless the user scrolled up to read
  const items = new Map(); // message_id -> <li>

  function personFromUrl() {
    const given = Number(new URLSearchParams(window.location.search).get("persoon"));
    return Number.isInteger(given) && given >= 1 && given <= MAX_PERSON ? given : 0;
  }

  function readStorage(key) {
    try {
      return localStorage.getItem(key);
    } catch (error) {
      return null; // private browsing: nothing is kept
    }
  }

  function writeStorage(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch (error) {
      // Private browsing: the value lives as long as the page.
    }
  }

  function notePerson(person) {
    if (person > (Number(readStorage(LAST_PERSON_KEY)) || 0)) {
      writeStorage(LAST_PERSON_KEY, String(person));
    }
  }

  function nextPerson() {
    // Someone this browser has not been yet, so an invitation opens a new person's chat.
    const last = Math.max(Number(readStorage(LAST_PERSON_KEY)) || 0, PERSON);
    return last >= MAX_PERSON ? 1 : last + 1;
  }

  function deepLinkUrl(payload, person) {
    return `/?persoon=${person}&start=${encodeURIComponent(payload)}`;
  }

  function openAsNextPerson(link, payload) {
    // The person is chosen at the click (another tab may have taken the one shown before)
    // and kept, so the next link opens yet another person.
    link.href = deepLinkUrl(payload, nextPerson());
    link.target = "_blank";
    link.rel = "noopener";
    const claim = () => {
      const person = nextPerson();
      link.href = deepLinkUrl(payload, person);
      notePerson(person);
    };
    link.addEventListener("click", claim);
    link.addEventListener("auxclick", claim);
    return link;
  }

  function deepLinkPayload(url) {
    const found = [...String(url).matchAll(DEEP_LINK)][0];
    return found && found[0] === url ? found[1] : null;
  }

  function phoneFromUrl() {
    const given = new URLSearchParams(window.location.search).get("telefoon");
    // An unencoded "+" in a query string arrives as a space: "?telefoon=+316..." means +316...
    return given ? given.replace(/^ (?=\d)/, "+").trim() : "";
  }

  function newChatId() {
    const id = 100000 + Math.floor(Math.random() * 2000000000);
    writeStorage(STORAGE_KEY, String(id));
    return id;
  }

  function loadChatId() {
    // A person's chat is 9000 + N until "Nieuw gesprek" gives them a random one.
    const stored = Number(readStorage(STORAGE_KEY));
    if (Number.isSafeInteger(stored) && stored > 0) return stored;
    return PERSON ? PERSON_CHAT_BASE + PERSON : newChatId();
  }

  function showChatId() {
    document.documentElement.dataset.chatId = String(chatId); // for tests and curious people
    view.person.title = `Chat ${chatId}`;
  }

  async function post(action, body) {
    const person = NAME ? { first_name: NAME } : {};
    const response = await fetch(`/api/chats/${chatId}/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...person, ...body }),
    });
    if (!response.ok) {
      throw new Error(`${action}: HTTP ${response.status}`);
    }
    return response.json();
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function setOnline(online) {
    view.status.textContent = online ? "Online" : "Geen verbinding. Ik probeer het opnieuw…";
    view.status.classList.toggle("offline", !online);
  }

  function showNotice(text, important) {
    view.notice.textContent = text;
    view.notice.setAttribute("role", important ? "alert" : "status");
    view.notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      view.notice.hidden = true;
    }, important ? 8000 : 4000);
  }

  function timeOf(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString("nl-NL", {
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function player(file, className, label, protect) {
    const box = element("div", "speler");
    box.append(element("span", "speler-label", label));
    const audio = element("audio", className);
    audio.controls = true;
    audio.preload = "none";
    audio.src = file.url;
    audio.setAttribute("aria-label", label);
    if (protect) noSaving(audio);
    box.append(audio);
    return box;
  }

  function noSaving(media) {
    // Protected content: play and look, but no download menu, no "Save as", no dragging out.
    if (media.controlsList) media.controlsList.add("nodownload");
    media.draggable = false;
    media.addEventListener("contextmenu", (event) => event.preventDefault());
  }

  function documentItem(file, protect) {
    const name = file.file_name || "Bestand";
    if (protect) return element("span", "document", name); // no link: it cannot be saved
    const link = element("a", "document", name);
    link.href = file.url;
    link.download = file.file_name || "";
    return link;
  }

  function withLinks(node, text) {
    // Text stays text (no HTML); only a deep link becomes a link that opens it as the
    // next person, in a new tab.
    let last = 0;
    for (const found of text.matchAll(DEEP_LINK)) {
      node.append(document.createTextNode(text.slice(last, found.index)));
      node.append(openAsNextPerson(element("a", "link", found[0]), found[1]));
      last = found.index + found[0].length;
    }
    node.append(document.createTextNode(text.slice(last)));
    return node;
  }

  function inlineButtons(message) {
    const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
    if (!rows.length) return null;
    const box = element("div", "knoppen");
    for (const row of rows) {
      const line = element("div", "rij");
      for (const spec of row) {
        line.append(inlineButton(message.message_id, spec));
      }
      box.append(line);
    }
    return box;
  }

  function inlineButton(messageId, spec) {
    const payload = spec.url ? deepLinkPayload(spec.url) : null;
    if (payload !== null) return openAsNextPerson(element("a", "knop", spec.text), payload);
    if (spec.url) {
      const link = element("a", "knop", spec.text);
      link.href = spec.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    const button = element("button", "knop", spec.text);
    button.type = "button";
    if (spec.callback_data === undefined) {
      button.disabled = true;
      return button;
    }
    button.dataset.data = spec.callback_data;
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await post("press", { message_id: messageId, data: spec.callback_data });
      } catch (error) {
        showNotice("Dat lukte niet. Probeer het opnieuw.", false);
      } finally {
        setTimeout(() => {
          button.disabled = false;
        }, 600);
      }
    });
    return button;
  }

  function buildItem(message) {
    const fromBot = message.from === "bot";
    const item = element("li", `bericht ${fromBot ? "van-bot" : "van-jou"}`);
    item.dataset.messageId = String(message.message_id);
    const bubble = element("div", "bubbel");
    bubble.append(element("span", "verborgen", fromBot ? "Taalmaatje:" : "Jij:"));

    if (message.sticker) {
      const sticker = element("span", "sticker", message.sticker.emoji || "🙂");
      sticker.setAttribute("role", "img");
      sticker.setAttribute("aria-label", `Sticker ${message.sticker.emoji || ""}`);
      bubble.append(sticker);
    }
    const protect = Boolean(message.protect_content);
    if (message.photo) {
      const image = element("img", "foto");
      image.src = message.photo.url;
      if (message.photo.width && message.photo.height) {
        image.width = message.photo.width; // reserves the space, so scrolling does not jump
        image.height = message.photo.height;
      }
      image.addEventListener("load", keepAtBottom);
      image.alt = message.caption ? "" : "Foto";
      image.loading = "lazy";
      if (protect) noSaving(image);
      bubble.append(image);
    }
    if (message.voice) bubble.append(player(message.voice, "voice", "Spraakbericht", protect));
    if (message.audio) bubble.append(player(message.audio, "audio", "Geluid", protect));
    if (message.document) bubble.append(documentItem(message.document, protect));
    if (message.contact) {
      bubble.append(element("p", "tekst contact", `📞 ${message.contact.phone_number}`));
    }
    const words = message.text || message.caption;
    if (words) bubble.append(withLinks(element("p", "tekst"), words));
    if (message.forwarded_from) {
      bubble.prepend(element("p", "doorgestuurd", `Doorgestuurd van ${message.forwarded_from}`));
    }
    if (protect) {
      bubble.append(element("p", "beschermd", "🔒 Niet door te sturen of op te slaan"));
    }

    const meta = element("p", "tijd", timeOf(message.date));
    if (message.edited) meta.textContent += " · bewerkt";
    bubble.append(meta);
    item.append(bubble);

    const buttons = inlineButtons(message);
    if (buttons) item.append(buttons);
    return item;
  }

  function insertInOrder(item, messageId) {
    let after = view.list.lastElementChild;
    while (after && Number(after.dataset.messageId) > messageId) {
      after = after.previousElementSibling;
    }
    if (after) after.after(item);
    else view.list.prepend(item);
  }

  function updateKeyboard(message) {
    const markup = message.reply_markup;
    if (message.from !== "bot" || !markup || message.message_id < keyboardFrom) return;
    if (markup.remove_keyboard) {
      keyboardFrom = message.message_id;
      view.keyboard.hidden = true;
      view.keyboard.replaceChildren();
    } else if (markup.keyboard) {
      keyboardFrom = message.message_id;
      view.keyboard.replaceChildren();
      for (const row of markup.keyboard) {
        const line = element("div", "rij");
        for (const spec of row) {
          const text = typeof spec === "string" ? spec : spec.text;
          const button = element("button", "knop", text);
          button.type = "button";
          if (spec.request_contact) button.dataset.request = "contact";
          button.addEventListener("click", () => {
            if (markup.one_time_keyboard) view.keyboard.hidden = true;
            if (spec.request_contact) shareContact();
            else sendText(text);
          });
          line.append(button);
        }
        view.keyboard.append(line);
      }
      view.keyboard.hidden = false;
    }
  }

  function render(message) {
    const old = items.get(message.message_id);
    if (message.deleted) {
      if (old) old.remove();
      items.delete(message.message_id);
      return false;
    }
    const item = buildItem(message);
    if (old) old.replaceWith(item);
    else insertInOrder(item, message.message_id);
    items.set(message.message_id, item);
    updateKeyboard(message);
    return !old;
  }

  function clearChat() {
    items.clear();
    view.list.replaceChildren();
    view.keyboard.hidden = true;
    view.keyboard.replaceChildren();
    keyboardFrom = 0;
    seq = 0;
  }

  function updateEmpty() {
    view.empty.hidden = items.size > 0;
  }

  function scrollDown() {
    view.scroller.scrollTop = view.scroller.scrollHeight;
    atBottom = true;
  }

  function keepAtBottom() {
    if (atBottom) scrollDown();
  }

  async function pollLoop(controller) {
    let wait = 0; // the first call answers at once, so the page shows its state quickly
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(
          `/api/chats/${chatId}/messages?since=${seq}&wait=${wait}`,
          { cache: "no-store", signal: controller.signal },
        );
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const data = await response.json();
        if (controller.signal.aborted) return;
        if (data.reset) clearChat();
        let added = false;
        for (const message of data.messages) added = render(message) || added;
        for (const notice of data.notices) showNotice(notice.text, notice.show_alert);
        seq = data.seq;
        updateEmpty();
        if (added) scrollDown();
        setOnline(true);
        wait = POLL_SECONDS;
      } catch (error) {
        if (controller.signal.aborted) return;
        setOnline(false);
        await sleep(1500);
      }
    }
  }

  function startPolling() {
    if (poller) poller.abort();
    poller = new AbortController();
    pollLoop(poller);
  }

  async function sendText(text) {
    try {
      await post("text", { text });
    } catch (error) {
      showNotice("Versturen lukte niet. Probeer het opnieuw.", false);
      return false;
    }
    return true;
  }

  async function shareContact() {
    try {
      await post("contact", { phone_number: PHONE_NUMBER });
    } catch (error) {
      showNotice("Je nummer delen lukte niet. Probeer het opnieuw.", false);
      return false;
    }
    return true;
  }

  view.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = view.input.value.trim();
    if (!text) {
      view.input.focus();
      return;
    }
    view.input.value = "";
    if (!(await sendText(text))) view.input.value = text;
    view.input.focus();
  });

  async function sendMedia(kind) {
    try {
      await post(kind, {});
    } catch (error) {
      showNotice("Versturen lukte niet. Probeer het opnieuw.", false);
    }
  }

  view.voice.addEventListener("click", () => sendMedia("voice"));
  view.photo.addEventListener("click", () => sendMedia("photo"));

  async function startFromLink() {
    // ?start=<payload>: the deep link's /start, once (a reload does not send it again).
    const params = new URLSearchParams(window.location.search);
    const payload = params.get("start");
    if (!payload) return;
    params.delete("start");
    const rest = params.toString();
    window.history.replaceState(null, "", `${window.location.pathname}${rest ? `?${rest}` : ""}`);
    try {
      await post("command", { command: "start", args: payload });
    } catch (error) {
      showNotice("Starten lukte niet. Probeer het opnieuw.", false);
    }
  }

  view.start.addEventListener("click", async () => {
    try {
      await post("command", { command: "start" });
    } catch (error) {
      showNotice("Starten lukte niet. Probeer het opnieuw.", false);
    }
    view.input.focus();
  });

  view.fresh.addEventListener("click", () => {
    chatId = newChatId();
    showChatId();
    clearChat();
    updateEmpty();
    startPolling();
    view.start.focus();
  });

  view.scroller.addEventListener("scroll", () => {
    const { scrollTop, scrollHeight, clientHeight } = view.scroller;
    atBottom = scrollHeight - scrollTop - clientHeight < 80;
  });

  if (NAME) view.person.textContent = `Je bent ${NAME}`;
  if (PERSON) notePerson(PERSON);
  showChatId();
  startPolling();
  startFromLink();
})();
