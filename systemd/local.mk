# systemd: the service unit and the sysusers.d file for the kneed user.
systemdsystemunit_DATA = systemd/kneed.service
CLEANFILES += systemd/kneed.service
EXTRA_DIST += systemd/kneed.service.in systemd/kneed.sysusers

# The IIO devices' nodes and attributes for the iio group (docs/iio.md).
dist_udevrules_DATA = systemd/60-kneed-iio.rules

systemd/kneed.service: $(srcdir)/systemd/kneed.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	$(SED) -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/systemd/kneed.service.in > $@.tmp && \
	mv $@.tmp $@

# sysusers.d files are named after the package: install kneed.sysusers
# as kneed.conf.
install-data-local: install-sysusers
uninstall-local: uninstall-sysusers
install-sysusers:
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/systemd/kneed.sysusers '$(DESTDIR)$(sysusersdir)/kneed.conf'
uninstall-sysusers:
	rm -f '$(DESTDIR)$(sysusersdir)/kneed.conf'
.PHONY: install-sysusers uninstall-sysusers
