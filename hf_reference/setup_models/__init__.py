"""Set-up's model building: the default checkpoint and corpus, and the small test models of every
family, trained here reproducibly (no hub). Run by `make setup`; nothing at run time imports it."""
