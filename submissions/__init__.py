"""Submission writers, one per file format, each validating before it writes."""

from submissions.formats import ProbabilityCSV, SubmissionFormat

__all__ = ["ProbabilityCSV", "SubmissionFormat"]
