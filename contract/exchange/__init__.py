"""One exchange with an install, as data: where the install is, what was sent, what came
back, and how a person sends it again. No network here: the run wing does the sending.
"""
