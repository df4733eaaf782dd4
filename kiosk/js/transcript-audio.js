// A recorded transcript turn's own sound: "Nghe" fetches it (with the session, so no token in a URL) and plays
// it in place; from a minutes evidence chip the cited turn starts playing as the transcript opens.

import { DICTIONARIES, t } from "./i18n.js";
import { h, showError } from "./ui.js";

Object.assign(DICTIONARIES.vi, { "turn.listen": "▶ Nghe", "turn.audio": "Âm thanh lượt phát biểu" });
Object.assign(DICTIONARIES.en, { "turn.listen": "▶ Listen", "turn.audio": "The turn's sound" });

/** The "Listen" control of one timed turn; `start()` loads and plays it (the dialog calls it for the cited turn). */
export function turnPlayer(api, path, position) {
  const box = h("div", { class: "turn-audio", testid: `turn-audio-${position}` });
  let url = null;
  const start = async () => {
    try {
      if (url === null) url = URL.createObjectURL(await api.blob(path));
      const audio = h("audio", {
        controls: true,
        src: url,
        "aria-label": t("turn.audio"),
        testid: `turn-player-${position}`,
      });
      box.replaceChildren(audio);
      await audio.play().catch(() => {}); // a browser may want a tap first: the controls are there for it
    } catch (error) {
      showError(error);
    }
  };
  box.append(
    h(
      "button",
      { class: "btn btn-ghost btn-small", type: "button", testid: `turn-listen-${position}`, onclick: start },
      t("turn.listen"),
    ),
  );
  /** Free the sound when the dialog closes. */
  const release = () => {
    if (url !== null) URL.revokeObjectURL(url);
  };
  return { element: box, start, release };
}
