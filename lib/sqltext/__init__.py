"""Understanding SQL text with PostgreSQL's own parser (pglast), never with regexes.

parse     split and parse text that may hold several statements, or be truncated
names     table and function names as PostgreSQL would print them
walk      a tree walk that knows which FROM items each expression can see
rules     the lint rules' registry: what each rule means and the guide's advice
detectors one function per lint rule, reading one node of the tree
lint      finds the guide's query anti-patterns in a statement
classify  sorts a statement into the guide's performance-target classes
sidefx    catalogue of functions whose effects a rolled-back EXPLAIN cannot undo
safety    decides whether a user's statement may be EXPLAINed, and with what confirmation
"""
