"""The Q&A agent: a question attends over the knowledge base; the answer is a procedure or a few
sentences, each part cited, with a caveat when the runbook is about another technology.

agent.py      QAAgent, Answer, Citation
intent.py     what kind of question (fix / diagnose / what is / why)
shape.py      a section's steps, kept in order and whole
grounding.py  the technologies a question and a passage name, and the caveat
"""

from agents.qa.agent import Answer, Citation, QAAgent
from agents.qa.grounding import Runbook, caveat, technologies

__all__ = ["Answer", "Citation", "QAAgent", "Runbook", "caveat", "technologies"]
