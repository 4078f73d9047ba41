# bench/systems/nebula-relay.sh: Nebula with the lighthouse as relay.
#
# The Nebula driver (bench/systems/nebula.sh) with relay.am_relay on the
# lighthouse, relay.relays listing it on every other host and use_relays on:
# pairs that cannot punch (symmetric NATs) then connect through the relay.
# Nebula 1.6 keeps a pair on the relay once a relayed tunnel is up, so this
# variant trades the direct paths of punchable pairs for reachability.

nebula_relay=1
# shellcheck source=nebula.sh
. "$(dirname "${BASH_SOURCE[0]}")/nebula.sh"
