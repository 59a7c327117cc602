"""Find the official place a complaint is about, from its own text, against the Kemendagri list.

The embedded model invents places, and a wrong place sends a complaint to the wrong government, so
this resolver is deliberately conservative: every answer must be supported by words in the text,
and when the words support two different regencies about equally it returns less (the province, or
nothing) rather than guess.

How it works, in one pass over the words of the text:
1. Mentions. At each word the longest known name is looked up: provinces and their short forms,
   kabupaten/kota names (with or without "Kab."/"Kota"), town aliases (triage/data/place_aliases.toml),
   kecamatan and desa/kelurahan names. A marker word before a name ("kab", "kec", "ds", "kel", ...)
   fixes its level. Desa and kecamatan names without a marker are only *confirmations*: they count
   for a regency only when something else in the text already points at it ("Ngaliyan ... Semarang"
   picks Kota Semarang), because thousands of desa are called "Sukamaju" or "Karanganyar".
2. Votes. Each mention votes, with a weight by how explicit it is, for every regency it could mean.
3. Decision. The best regency must win on votes that the runner-up does not share ("Semarang" votes
   for both Kota and Kabupaten Semarang; "Ngaliyan" only for the Kota), by a clear factor. Otherwise
   only the province is returned when every contender lies in one province.

The steps live in their own modules, each importing only the ones before it:
- `words`: cutting text into words; the marker, filler and landmark words around names.
- `tuning`: the lengths, thresholds and vote weights, tuned together.
- `index`: the lookup tables built once from the official list and place_aliases.toml.
- `addressee`: the province of the governor a text is addressed to.
- `mentions`: step 1, every place name in the text.
- `readings`: step 2, what each mention could mean and whether it votes alone.
- `votes`: step 3, votes and the winning regency.
- `resolver`: `resolve`, which runs the steps and builds the `Location`.
"""

from triage.rules.places.addressee import addressed_province
from triage.rules.places.resolver import resolve

__all__ = ["addressed_province", "resolve"]
