"""Notifications: each account's inbox, what each person wants to be told and how (in
the app, also by e-mail, or not at all), and the hand-over of e-mails to the outbox
(core/mail). The domain says what happened (a kind and its parameters); the web layer
words it, in the recipient's language, for the inbox and for the e-mail alike.
"""
