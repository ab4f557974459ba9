"""The spoken summary of a job: its audio file, and the player the job page includes."""
from __future__ import annotations

import io

from flask import Blueprint, Response, current_app, render_template, send_file
from flask_babel import gettext as _

from app.i18n import current_language
from app.jobs.models import JobPosting
from app.listen import services
from app.listen.speech import MIME_TYPE, SpeechError
from app.security import public
from app.views_util import or_404


def make_blueprint() -> Blueprint:
    bp = Blueprint("listen", __name__)

    @bp.app_template_global()
    def job_listening(job: JobPosting) -> services.Listening:
        """The page's job summarised in the page's language (listen/_player.html)."""
        return services.job_listening(job, current_language())

    @bp.get("/jobs/<int:job_id>/listen/<language>.ogg")
    @public
    def audio(job_id: int, language: str):
        try:
            audio = or_404(services.job_audio, job_id, language)
        except services.NoVoice:
            return _error(404, _("Listening is not available in this language yet. "
                                 "The job page shows the summary to read."))
        except SpeechError as error:
            current_app.logger.error("no audio for job %s in %s: %s", job_id, language, error)
            return _error(503, _("The spoken summary cannot be made right now. "
                                 "The job page shows the summary to read."))
        return _audio_response(audio, f"job-{job_id}-{language}.ogg")

    return bp


def _audio_response(audio: services.Audio, name: str) -> Response:
    # A summary's audio is some tens of KB: read whole, it holds no file open for a client
    # that goes away mid-download. Range requests and If-None-Match are still answered.
    response = send_file(io.BytesIO(audio.path.read_bytes()), mimetype=MIME_TYPE,
                         conditional=True, etag=audio.key, download_name=name,
                         last_modified=audio.path.stat().st_mtime)
    # Cached copies are checked every time (a 304 costs a phone a few bytes), so that a
    # changed job or a suspended recruiter is never heard from an old copy.
    response.cache_control.public = True
    response.cache_control.no_cache = True
    response.cache_control.max_age = None
    return response


def _error(code: int, message: str):
    return render_template("errors/error.html", code=code, message=message), code
