/* gen-completion: write scrape's bash or zsh completion script, made
 * from the option table in src/cli.c, to standard output.  The build runs
 * it, so an option added to the table completes without anyone writing
 * it a second time.
 *
 *	gen-completion bash > completion/scrape
 *	gen-completion zsh > completion/_scrape
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define KIND(arg) (1u << (arg))

/* The spellings of every option whose argument is of one of the kinds
 * (and is words, unless NULL), as a bash case pattern: "--output|-o". */
static int
bash_pattern(unsigned kinds, const char *words)
{
	int n = 0;

	for (const struct cli_option *o = cli_options; o->name != NULL; o++) {
		if ((KIND(o->arg) & kinds) == 0 ||
		    (words != NULL && o->words != words))
			continue;
		printf("%s--%s", n++ > 0 ? "|" : "\t", o->name);
		if (o->val <= UCHAR_MAX)
			printf("|-%c", o->val);
	}
	return n;
}

/* bash: no helper from the bash-completion package is used, so that the
 * script also works sourced on its own.  bash cuts "--opt=value" into
 * "--opt", "=" and "value"; both spellings complete. */
static void
bash(void)
{
	fputs(
"# bash completion for scrape(1).  Made from the option table in\n"
"# src/cli.c by tools/gen-completion: edit that, not this.\n"
"\n"
"_scrape_files()\n"
"{\n"
"\tcompopt -o filenames 2>/dev/null\n"
"\tmapfile -t COMPREPLY < <(compgen -f -- \"$1\")\n"
"}\n"
"\n"
"_scrape()\n"
"{\n"
"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= i\n"
"\n"
"\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
"\tif [[ $cur == = ]]; then\n"
"\t\tcur=\n"
"\telif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
"\t\tprev=${COMP_WORDS[COMP_CWORD-2]}\n"
"\tfi\n"
"\tCOMPREPLY=()\n"
"\tcase $prev in\n", stdout);
	if (bash_pattern(KIND(CLI_ARG_FILE), NULL) > 0)
		fputs(")\n\t\t_scrape_files \"$cur\"\n\t\treturn;;\n", stdout);
	for (const struct cli_option *o = cli_options; o->name != NULL; o++)
		if (o->arg == CLI_ARG_WORD &&
		    bash_pattern(KIND(o->arg), o->words) > 0)
			printf(")\n\t\tmapfile -t COMPREPLY < <(compgen -W "
			    "'%s' -- \"$cur\")\n\t\treturn;;\n", o->words);
	/* Typed values: nothing to offer. */
	if (bash_pattern(KIND(CLI_ARG_NUMBER) | KIND(CLI_ARG_STRING),
	    NULL) > 0)
		fputs(")\n\t\treturn;;\n", stdout);
	fputs(
"\tesac\n"
"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
"\t\tif [[ ${COMP_WORDS[i]} == -- ]]; then\n"
"\t\t\t_scrape_files \"$cur\"\n"
"\t\t\treturn\n"
"\t\tfi\n"
"\tdone\n"
"\tif [[ $cur == -* ]]; then\n"
"\t\tmapfile -t COMPREPLY < <(compgen -W '", stdout);
	for (const struct cli_option *o = cli_options; o->name != NULL; o++)
		printf("%s--%s", o == cli_options ? "" : " ", o->name);
	for (const struct cli_option *o = cli_options; o->name != NULL; o++)
		if (o->val <= UCHAR_MAX)
			printf(" -%c", o->val);
	fputs("' -- \"$cur\")\n"
"\t\treturn\n"
"\tfi\n"
"\t_scrape_files \"$cur\"\n"
"}\n"
"\n"
"complete -F _scrape scrape\n", stdout);
}

/* zsh: one _arguments spec per spelling.  Every option may be given
 * again, as getopt allows (the last one wins; -H adds up). */
static void
zsh(void)
{
	fputs(
"#compdef scrape\n"
"# zsh completion for scrape(1).  Made from the option table in\n"
"# src/cli.c by tools/gen-completion: edit that, not this.\n"
"\n"
"_arguments -s -S \\\n", stdout);
	for (const struct cli_option *o = cli_options; o->name != NULL; o++) {
		char value[256] = "";
		const char *eq = o->arg == CLI_ARG_NONE ? "" : "=";

		switch (o->arg) {
		case CLI_ARG_NONE:
			break;
		case CLI_ARG_NUMBER:
			strcpy(value, ":number: ");
			break;
		case CLI_ARG_STRING:
			strcpy(value, ":text: ");
			break;
		case CLI_ARG_FILE:
			strcpy(value, ":file:_files");
			break;
		case CLI_ARG_WORD:
			snprintf(value, sizeof value, ":value:(%s)", o->words);
			break;
		}
		if (o->val > UCHAR_MAX)
			printf("\t'*--%s%s%s' \\\n", o->name, eq, value);
		else if (*value == '\0')
			printf("\t'*'{-%c,--%s} \\\n", o->val, o->name);
		else
			printf("\t'*'{-%c+,--%s=}'%s' \\\n", o->val, o->name,
			    value);
	}
	fputs("\t'*:URL list:_files'\n", stdout);
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "bash") == 0)
		bash();
	else if (argc == 2 && strcmp(argv[1], "zsh") == 0)
		zsh();
	else {
		fputs("usage: gen-completion bash|zsh\n", stderr);
		return 2;
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
