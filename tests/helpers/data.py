"""Data the tests share: which LFW people make the tiny dataset."""

from __future__ import annotations

#: LFW people of the tiny dataset (none is in the colourisers' training split): the
#: smallest experiment that reaches every stage, with two shards per variant.
TINY_PEOPLE = {"Adel_Al-Jubeir": 3, "Abid_Hamid_Mahmud_Al-Tikriti": 3}
