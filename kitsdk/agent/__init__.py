"""The kit agent: the daemon on each Pi that supervises scripts and links the kit to the lab."""
