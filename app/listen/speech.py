"""Speech: a summary text in, small Ogg/Opus audio out (espeak-ng, then ffmpeg).

Pure: imports neither Flask nor the database, so it runs from a plain shell, from the
tests and from bench/listen.py.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

# espeak-ng voices for the site's languages. Spanish takes the Latin American voice, the
# one the Mexico → USA corridor's workers speak. espeak-ng has no Tagalog voice.
VOICES = {"en": "en", "ne": "ne", "hi": "hi", "bn": "bn", "ar": "ar", "es": "es-419"}
MIME_TYPE = "audio/ogg; codecs=opus"
SUFFIX = ".ogg"
MAX_TEXT = 20_000  # characters; a job summary is a few hundred, so more is a bug upstream
# The first digit of the numbering systems the site's locales write by default (CLDR).
# espeak-ng's Nepali voice reads Latin digits in English, but Devanagari digits in Nepali.
_ZEROS = {"deva": "०", "beng": "০", "arab": "٠"}


@dataclass(frozen=True)
class Encoding:
    """How the audio is made. Every field is part of the cache key, so a change here makes
    new audio rather than serving the old."""

    words_per_minute: int = 150  # espeak-ng's default is 175; slower is easier to follow
    sample_rate: int = 16000  # Opus wideband holds all of a synthetic voice's useful range
    bitrate: str = "12k"  # about 80 KB a minute (bench/listen.py measures it)
    frame_ms: int = 60  # Opus's longest frame: the least Ogg overhead per second
    # libopus effort, 0-10: 5 takes half the CPU of 10 for the same size and a synthetic
    # voice sounds no different (bench/listen.py).
    complexity: int = 5


@dataclass(frozen=True)
class Tools:
    """The programs that make the audio, by name on PATH or by path."""

    espeak: str = "espeak-ng"
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"


class SpeechError(Exception):
    """No audio could be made; the message says why (in English, for the log)."""


class ToolMissing(SpeechError):
    """espeak-ng or ffmpeg is not installed (`make system-tools` installs them)."""


class SynthesisFailed(SpeechError):
    """A tool failed, or took longer than allowed."""


def voice_for(language: str) -> str | None:
    """The espeak-ng voice that speaks `language` (a site language code), if there is one."""
    return VOICES.get(language)


def localise_digits(text: str, numbering_system: str) -> str:
    """`text` with 0-9 written in a numbering system's own digits ("deva": १८००)."""
    zero = _ZEROS.get(numbering_system)
    if zero is None:
        return text
    return text.translate({ord("0") + d: chr(ord(zero) + d) for d in range(10)})


def content_key(voice: str, text: str, encoding: Encoding) -> str:
    """The SHA-256 (hex) of everything the audio is made from: same key, same sound."""
    made_of = json.dumps({"voice": voice, "text": text, "encoding": asdict(encoding)},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(made_of.encode("utf-8")).hexdigest()


def synthesise(text: str, voice: str, encoding: Encoding = Encoding(), tools: Tools = Tools(),
               timeout: float = 30.0) -> bytes:
    """Ogg/Opus audio of `text` spoken by `voice`; both tools together get `timeout` seconds."""
    if not text.strip() or len(text) > MAX_TEXT:
        raise SynthesisFailed(f"text of {len(text)} characters: nothing to say, or too much")
    deadline = time.monotonic() + timeout
    wav = _run([tools.espeak, "-v", voice, "-s", str(encoding.words_per_minute),
                "--stdin", "--stdout"], text.encode("utf-8"), deadline)
    ogg = _run([tools.ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "wav",
                "-i", "pipe:0", "-map_metadata", "-1", "-ac", "1",
                "-ar", str(encoding.sample_rate), "-c:a", "libopus",
                "-b:a", encoding.bitrate, "-application", "voip",
                "-frame_duration", str(encoding.frame_ms),
                "-compression_level", str(encoding.complexity), "-f", "ogg", "pipe:1"],
               wav, deadline)
    if not ogg.startswith(b"OggS") or b"OpusHead" not in ogg[:200]:
        raise SynthesisFailed("ffmpeg wrote something that is not Ogg/Opus")
    return ogg


def _run(command: list[str], data: bytes, deadline: float) -> bytes:
    """One tool's standard output for `data` on its standard input, before `deadline`."""
    name = command[0]
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(f"{name} is not installed")
    remaining = deadline - time.monotonic()
    try:
        if remaining <= 0:
            raise subprocess.TimeoutExpired(command, 0)
        done = subprocess.run([path, *command[1:]], input=data, capture_output=True,
                              timeout=remaining, check=False)
    except subprocess.TimeoutExpired:
        raise SynthesisFailed(f"{name} did not finish in time") from None
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SynthesisFailed(f"{name} failed (exit {done.returncode}): "
                              f"{said[-1] if said else 'no output'}")
    return done.stdout


def audio_path(directory: Path, key: str) -> Path:
    """Where the audio with this key is kept (a subfolder per first two hex digits, so that
    no folder grows to hold every file)."""
    return directory / key[:2] / f"{key}{SUFFIX}"


def store(directory: Path, key: str, audio: bytes) -> Path:
    """Keep `audio` under its key, atomically: a reader sees the whole file or none, and two
    requests making the same audio at once both end with one complete file."""
    path = audio_path(directory, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:16]}-",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(audio)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; a front server may serve it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def duration(path: Path, tools: Tools = Tools(), timeout: float = 10.0) -> float:
    """Seconds of audio in a file, as ffprobe reads them."""
    out = _run([tools.ffprobe, "-v", "error", "-show_entries", "format=duration",
                "-of", "default=noprint_wrappers=1:nokey=1", str(path)], b"",
               time.monotonic() + timeout)
    return float(out.decode().strip())
