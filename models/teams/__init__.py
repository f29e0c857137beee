"""Teams: the teams, members, roles and invites tables; joining and leaving; who may coordinate
what."""
