"""Text instructions for OSRM steps in English and Chinese (zh-Hans), from osrm-text-instructions' phrase data."""

from fevermap.routing.instructions.compiler import (
    LANGUAGES,
    compile_step,
    format_distance,
    in_distance,
    language_code,
)

__all__ = ["LANGUAGES", "compile_step", "format_distance", "in_distance", "language_code"]
