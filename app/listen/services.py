"""A job's spoken summary for a reader: its sentences, and its audio, synthesised once per
content (voice, text, encoding) and kept under the instance folder."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.errors import DomainError, NotFound
from app.jobs.models import JobPosting
from app.jobs.services import get_public_job
from app.listen import speech
from app.listen.summary import job_sentences

ENCODING = speech.Encoding()


class NoVoice(DomainError):
    """espeak-ng has no voice for the language: the summary can be read, not heard."""


@dataclass(frozen=True)
class Listening:
    """A job's summary in one language, and whether it can be heard in that language."""

    job_id: int
    language: str
    voice: str | None
    sentences: tuple[str, ...]

    @property
    def available(self) -> bool:
        return self.voice is not None

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True)
class Audio:
    """A stored audio file and its content key (the HTTP entity tag)."""

    path: Path
    key: str


def job_listening(job: JobPosting, language: str) -> Listening:
    """The summary of a job the caller may already show (the job page's own job)."""
    return Listening(job.id, language, speech.voice_for(language),
                     tuple(job_sentences(job, language)))


def job_audio(job_id: int, language: str) -> Audio:
    """The audio of a public job's summary in `language`, made now if no unchanged copy
    exists. NotFound for a job the public may not see or a language the site does not
    have, NoVoice for a language without a voice; speech.SpeechError when the tools fail."""
    job = get_public_job(job_id)
    if language not in current_app.config["LANGUAGES"]:
        raise NotFound()
    listening = job_listening(job, language)
    if listening.voice is None:
        raise NoVoice(language)
    key = speech.content_key(listening.voice, listening.text, ENCODING)
    directory = audio_directory()
    path = speech.audio_path(directory, key)
    if not path.is_file():  # an unchanged summary is never synthesised twice
        audio = speech.synthesise(listening.text, listening.voice, ENCODING, _tools(),
                                  timeout=current_app.config["LISTEN_TIMEOUT"])
        path = speech.store(directory, key, audio)
    return Audio(path, key)


def audio_directory() -> Path:
    """Where audio is kept: LISTEN_CACHE_DIR, or `listen/` in the instance folder."""
    configured = current_app.config.get("LISTEN_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "listen"


def _tools() -> speech.Tools:
    config = current_app.config
    return speech.Tools(espeak=config["LISTEN_ESPEAK"], ffmpeg=config["LISTEN_FFMPEG"])
