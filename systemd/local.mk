# systemd: the service unit, the sysusers.d file for the kneed user and the
# tmpfiles.d file for its state directory.
systemdsystemunit_DATA = systemd/kneed.service
CLEANFILES += systemd/kneed.service
EXTRA_DIST += systemd/kneed.service.in systemd/kneed.sysusers systemd/kneed.tmpfiles

# The IIO devices' nodes and attributes for the iio group (docs/iio.md).
dist_udevrules_DATA = systemd/60-kneed-iio.rules

systemd/kneed.service: $(srcdir)/systemd/kneed.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	$(SED) -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/systemd/kneed.service.in > $@.tmp && \
	mv $@.tmp $@

# sysusers.d and tmpfiles.d files are named after the package: install
# kneed.sysusers and kneed.tmpfiles as kneed.conf.
install-data-local: install-sysusers install-tmpfiles
uninstall-local: uninstall-sysusers uninstall-tmpfiles
install-sysusers:
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/systemd/kneed.sysusers '$(DESTDIR)$(sysusersdir)/kneed.conf'
uninstall-sysusers:
	rm -f '$(DESTDIR)$(sysusersdir)/kneed.conf'
install-tmpfiles:
	$(MKDIR_P) '$(DESTDIR)$(tmpfilesdir)'
	$(INSTALL_DATA) $(srcdir)/systemd/kneed.tmpfiles '$(DESTDIR)$(tmpfilesdir)/kneed.conf'
uninstall-tmpfiles:
	rm -f '$(DESTDIR)$(tmpfilesdir)/kneed.conf'
.PHONY: install-sysusers uninstall-sysusers install-tmpfiles uninstall-tmpfiles
