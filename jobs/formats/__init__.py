"""Format code: readers and writers of PSD, After Effects, ExtendScript and nexrender data.

Plain Python with no Django import, so it can run in a worker, a command or a benchmark alike.
Readers return the dataclasses of :mod:`jobs.formats.descriptions`; nothing outside this
package parses bytes.
"""
