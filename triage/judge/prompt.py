"""The versioned prompt file: loaded, hashed, and turned into chat messages.

The hash covers the file's bytes, so any edit - even a comma in an example - is a new prompt that
must pass the eval gate before its verdicts reach SP4N.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from triage.config import get_settings

# The tags around the citizen's text in the user template; a message cannot write them itself.
PESAN_OPEN, PESAN_CLOSE = "<pesan>", "</pesan>"


class Example(BaseModel):
    text: str
    output: str


class PromptFile(BaseModel):
    version: str = Field(min_length=1)
    system: str = Field(min_length=1)
    user_template: str = Field(pattern=r"\{text\}")
    examples: list[Example] = Field(default_factory=list)


@dataclass(frozen=True)
class Prompt:
    path: Path
    spec: PromptFile
    hash: str

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def ident(self) -> str:
        return f"{self.spec.version}@{self.hash[:12]}"

    def render_user(self, text: str) -> str:
        safe = text.replace(PESAN_OPEN, "‹pesan›").replace(PESAN_CLOSE, "‹/pesan›")
        return self.spec.user_template.replace("{text}", safe)

    def messages(self, text: str) -> list[dict[str, str]]:
        """System, then examples as turns, then the report: the static part first for prefix reuse."""
        out = [{"role": "system", "content": self.spec.system.strip()}]
        for ex in self.spec.examples:
            out.append({"role": "user", "content": self.render_user(ex.text)})
            out.append({"role": "assistant", "content": ex.output})
        out.append({"role": "user", "content": self.render_user(text)})
        return out


@cache
def _load(path: Path, mtime_ns: int) -> Prompt:
    raw = path.read_bytes()
    spec = PromptFile.model_validate(tomllib.loads(raw.decode("utf-8")))
    return Prompt(path=path, spec=spec, hash=hashlib.sha256(raw).hexdigest())


def load_prompt(path: Path | None = None) -> Prompt:
    """The given file, else `TRIAGE_PROMPT` (default `prompts/triage.toml`, from the working directory)."""
    path = (path or get_settings().prompt).resolve()
    return _load(path, path.stat().st_mtime_ns)
