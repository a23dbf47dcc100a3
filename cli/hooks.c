/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hooks run as external commands: `--hook NAME=COMMAND` or a [hooks]
 * section in aurmig's configuration file. The command runs through
 * /bin/sh with the connection settings in its environment, never on its
 * command line: AURMIG_URL (password included) or AUR_CONFIG, plus
 * AURMIG_HOOK, AURMIG_REVISION and AURMIG_DIRECTION.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


#include "cli.h"

typedef struct hook_cmd {
	char name[33];
	char *command;
	cli *c;
} hook_cmd;

static hook_cmd *hooks;
static size_t nhooks;

static int run_command(void *payload, aurmig_conn *conn, const char *hook, const char *revision, int direction)
{
	hook_cmd *h = payload;
	pid_t pid;
	int status;

	(void)conn;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (h->c->json)
			dup2(STDERR_FILENO, STDOUT_FILENO);   /* stdout is the JSON document's */
		setenv("AURMIG_HOOK", hook, 1);
		setenv("AURMIG_REVISION", revision, 1);
		setenv("AURMIG_DIRECTION", direction == AURMIG_UPGRADE ? "upgrade" : "downgrade", 1);
		if (h->c->url)
			setenv("AURMIG_URL", h->c->url, 1);
		if (h->c->aurweb_config)
			setenv("AUR_CONFIG", h->c->aurweb_config, 1);
		execl("/bin/sh", "sh", "-c", h->command, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!h->c->quiet)
		fprintf(stderr, "aurmig: hook '%s' (%s) %s %d\n", hook, h->command,
			WIFEXITED(status) ? "exited with" : "was killed by signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int cli_add_hook(cli *c, const char *spec)
{
	const char *eq = strchr(spec, '=');
	hook_cmd *h;
	size_t n = eq ? (size_t)(eq - spec) : 0;

	if (!eq || n == 0 || n > 32 || !eq[1]) {
		fprintf(stderr, "aurmig: --hook takes NAME=COMMAND, not '%s'\n", spec);
		return EXIT_USAGE;
	}
	h = realloc(hooks, (nhooks + 1) * sizeof(*hooks));
	if (!h)
		return EXIT_ERROR;
	hooks = h;
	h = &hooks[nhooks];
	memcpy(h->name, spec, n);
	h->name[n] = '\0';
	h->command = strdup(eq + 1);
	h->c = c;
	if (!h->command)
		return EXIT_ERROR;
	nhooks++;
	return EXIT_OK;
}

/* [hooks] name = command, read by the library's INI reader (configparser's
 * rules: the command is taken literally, a ';' in it included). */
static int config_entry(void *user, const char *section, const char *name, const char *value, int line)
{
	cli *c = user;
	char *spec;
	int rc;

	(void)line;
	if (strcmp(section, "hooks") != 0)
		return 0;
	spec = malloc(strlen(name) + strlen(value) + 2);
	if (!spec)
		return 1;
	sprintf(spec, "%s=%s", name, value);
	rc = cli_add_hook(c, spec);
	free(spec);
	return rc != EXIT_OK;
}

int cli_read_config(cli *c, const char *path)
{
	aurmig_context *ctx = NULL;
	int rc;

	if (aurmig_context_new(&ctx) != AURMIG_OK) {
		fprintf(stderr, "aurmig: out of memory\n");
		return EXIT_ERROR;
	}
	rc = aurmig_ini_read(ctx, path, config_entry, c);
	if (rc && rc != AURMIG_EUSER) {
		const aurmig_error *e = aurmig_error_last(ctx);
		fprintf(stderr, "aurmig: configuration: %s\n", e && e->message ? e->message : aurmig_error_str(rc));
	}
	aurmig_context_free(ctx);
	return rc ? EXIT_ERROR : EXIT_OK;
}

int cli_register_hooks(cli *c)
{
	for (size_t i = 0; i < nhooks; i++) {
		int rc = aurmig_context_set_hook(c->ctx, hooks[i].name, run_command, &hooks[i], AURMIG_HOOK_OWN_CONNECTION);
		if (rc)
			return cli_fail(c, rc);
	}
	return EXIT_OK;
}

void cli_free_hooks(void)
{
	for (size_t i = 0; i < nhooks; i++)
		free(hooks[i].command);
	free(hooks);
	hooks = NULL;
	nhooks = 0;
}
