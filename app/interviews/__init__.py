"""Video interviews on Jitsi Meet: proposed slots, the candidate's choice, iCalendar
invitations, a private room per interview and, with a Jitsi secret, a signed token."""
