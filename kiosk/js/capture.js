// Live capture of the room's microphone from the console: getUserMedia at 16 kHz mono, an AudioWorklet
// (capture-worklet.js) handing the samples over, and one HTTP request a second carrying 16-bit PCM to
// POST /api/meetings/{id}/recordings/{recording}/audio (docs/sync-protocol.md). Stopping sends what is left
// and asks the server to transcribe it; a page closed mid-way leaves the server to end the capture itself.

export const RATE = 16_000;
const SEND_EVERY_MS = 1000;

/** Float samples (-1..1) from several blocks as one little-endian 16-bit PCM buffer. */
export function pcm16(blocks) {
  const length = blocks.reduce((sum, block) => sum + block.length, 0);
  const out = new DataView(new ArrayBuffer(length * 2));
  let offset = 0;
  for (const block of blocks) {
    for (const sample of block) {
      const clipped = Math.max(-1, Math.min(1, sample));
      out.setInt16(offset, clipped < 0 ? clipped * 0x8000 : clipped * 0x7fff, true);
      offset += 2;
    }
  }
  return out.buffer;
}

export class MicCapture {
  constructor(api, meetingId) {
    this.api = api;
    this.meetingId = meetingId;
    this.blocks = [];
    this.sending = Promise.resolve();
    this.recording = null;
  }

  get base() {
    return `/api/meetings/${this.meetingId}/recordings`;
  }

  /** Open the capture on the server, then the microphone, and start sending; resolves to the recording. The
   * microphone comes last, once everything that hears it is ready, so no sound falls before the recording's
   * start (every turn's moment is counted from it). */
  async start(agendaItemId = null) {
    try {
      this.context = new AudioContext({ sampleRate: RATE });
      await this.context.audioWorklet.addModule("/static/js/capture-worklet.js");
      this.node = new AudioWorkletNode(this.context, "pcm-capture");
      this.node.port.onmessage = (event) => this.blocks.push(event.data);
      // pulled by the destination through a silent gain, so the worklet runs without playing the room back
      const silent = this.context.createGain();
      silent.gain.value = 0;
      this.node.connect(silent).connect(this.context.destination);
      this.recording = await this.api.post(`${this.base}/live`, { agenda_item_id: agendaItemId });
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      this.context.createMediaStreamSource(this.stream).connect(this.node);
      if (this.context.state === "suspended") await this.context.resume();
      this.timer = setInterval(() => this.flush(), SEND_EVERY_MS);
      return this.recording;
    } catch (error) {
      this.release();
      if (this.recording) this.api.post(`${this.base}/${this.recording.id}/stop`).catch(() => {});
      throw error;
    }
  }

  /** Send the samples gathered since the last call (one request at a time, in order). */
  flush() {
    if (!this.blocks.length || !this.recording) return this.sending;
    const body = pcm16(this.blocks.splice(0));
    const path = `${this.base}/${this.recording.id}/audio`;
    this.sending = this.sending.then(() => this.api.postBytes(path, body)).catch((error) => this.onError?.(error));
    return this.sending;
  }

  /** Send what is left and have the server transcribe the capture; resolves to the recording. */
  async stop() {
    clearInterval(this.timer);
    await this.flush();
    this.release();
    return this.api.post(`${this.base}/${this.recording.id}/stop`);
  }

  release() {
    clearInterval(this.timer);
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.context) this.context.close();
    this.stream = null;
    this.context = null;
  }
}
