"""The learned slot reader: slot queries attend over the dialogue's tokens, read status and span."""

from agents.slot_reader.reader import SlotQuery, SlotReader, SlotReading

__all__ = ["SlotQuery", "SlotReader", "SlotReading"]
