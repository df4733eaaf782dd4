// The audio thread's side of live capture (kiosk/js/capture.js): hands each block of the microphone's samples
// (mono, at the AudioContext's 16 kHz) to the page, which sends them to the server a second at a time.

class PcmCapture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel?.length) this.port.postMessage(channel.slice(0));
    return true;
  }
}

registerProcessor("pcm-capture", PcmCapture);
