# kneectl: offline tools and the D-Bus client.
bin_PROGRAMS += client/kneectl
client_kneectl_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JSON_GLIB_CFLAGS)
client_kneectl_SOURCES = \
	client/kneectl.c client/commands.h \
	client/cmd-simulate.c \
	client/cmd-analyze.c \
	client/cmd-convert.c \
	client/convert.h client/convert-csv.c \
	client/convert-thigh-shank.c \
	client/convert-mocap.h client/convert-mocap.c client/convert-mocap-input.c \
	client/convert-grf.c \
	client/convert-ankle.c \
	client/mocap-model.h client/mocap-model.c \
	client/sigproc.h client/sigproc.c \
	client/cmd-live.c \
	client/cmd-sensors.c \
	client/cmd-record.c \
	client/cmd-monitor.c \
	client/live.h client/live.c \
	client/jsonl.h client/jsonl.c \
	client/report.h client/report.c \
	client/params-cli.h client/params-cli.c
client_kneectl_LDADD = \
	drivers/libkneedrivers.a \
	clock/libkneeclock.a \
	analysis/libkneeanalysis.a \
	$(GLIB_LIBS) $(JSON_GLIB_LIBS) -lm

# The completion is named after the command it completes.
EXTRA_DIST += client/kneectl.bash-completion
install-data-local: install-completion
uninstall-local: uninstall-completion
install-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) $(srcdir)/client/kneectl.bash-completion '$(DESTDIR)$(bashcompletiondir)/kneectl'
uninstall-completion:
	rm -f '$(DESTDIR)$(bashcompletiondir)/kneectl'
.PHONY: install-completion uninstall-completion
