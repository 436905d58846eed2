/* html.c: HTML pages to text, with libxml2's HTML parser.
 *
 * A page becomes the text a reader sees: the character data of its body,
 * with entities decoded, white space collapsed as a browser does (except
 * in <pre>), a line break around each block element, and nothing of
 * <script>, <style>, <head> and the like; its title is the <title>, or
 * else the first <h1>.  The parser recovers from broken markup, as pages
 * from the web need, and never touches the network.  Without libxml2 at
 * build time HTML is refused (ZHS_EUSAGE), never indexed as markup.
 */
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

#ifdef HAVE_LIBXML
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

/* A growing string with a sticky out-of-memory flag. */
struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
};

static void put(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom || n == 0)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *ns;
        while (cap < b->n + n + 1)
            cap *= 2;
        if ((ns = realloc(b->s, cap)) == NULL) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

/* Ends the current line, unless the text is empty or already ends one. */
static void line_break(struct sbuf *b)
{
    if (b->n > 0 && b->s[b->n - 1] != '\n')
        put(b, "\n", 1);
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Appends text with runs of white space as one space (none at the start
 * of a line), as HTML renders it. */
static void put_collapsed(struct sbuf *b, const char *s)
{
    while (*s) {
        const char *e = s;
        if (is_ws(*s)) {
            while (is_ws(*s))
                s++;
            if (b->n > 0 && b->s[b->n - 1] != '\n' && b->s[b->n - 1] != ' ')
                put(b, " ", 1);
            continue;
        }
        while (*e && !is_ws(*e))
            e++;
        put(b, s, (size_t)(e - s));
        s = e;
    }
}

static int in_list(const char *name, const char *const *list)
{
    size_t i;
    for (i = 0; list[i]; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

/* Elements whose content is not text a reader sees. */
static const char *const hidden[] = {
    "head", "script", "style", "noscript", "template", "svg", "math",
    "iframe", "object", "embed", "canvas", "select", "button", NULL};
/* Elements that stand on lines of their own. */
static const char *const blocks[] = {
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
    "h4", "h5", "h6", "tr", "table", "section", "article", "header",
    "footer", "nav", "aside", "main", "blockquote", "pre", "hr", "figure",
    "figcaption", "address", "form", "fieldset", "caption", "body",
    "center", "td", "th", NULL};

static void walk(xmlNode *n, struct sbuf *b, int pre)
{
    for (; n != NULL && !b->oom; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content == NULL)
                continue;
            if (pre)
                put(b, (const char *)n->content,
                    strlen((const char *)n->content));
            else
                put_collapsed(b, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE && n->name != NULL) {
            const char *name = (const char *)n->name;
            int block;
            if (in_list(name, hidden))
                continue;
            block = in_list(name, blocks);
            if (block)
                line_break(b);
            walk(n->children, b, pre || strcmp(name, "pre") == 0);
            if (block)
                line_break(b);
        }
    }
}

/* The first element named `name` under n, depth first; NULL if none. */
static xmlNode *find(xmlNode *n, const char *name)
{
    for (; n != NULL; n = n->next) {
        xmlNode *f;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (n->name && strcmp((const char *)n->name, name) == 0)
            return n;
        if ((f = find(n->children, name)) != NULL)
            return f;
    }
    return NULL;
}

/* The collapsed text of element e (malloc'd), NULL if empty. */
static char *text_of(xmlNode *e)
{
    struct sbuf b = {NULL, 0, 0, 0};
    size_t i;

    if (e == NULL)
        return NULL;
    walk(e->children, &b, 0);
    if (b.oom || b.s == NULL) {
        free(b.s);
        return NULL;
    }
    for (i = 0; i < b.n; i++)
        if (b.s[i] == '\n')
            b.s[i] = ' ';
    while (b.n > 0 && b.s[b.n - 1] == ' ')
        b.s[--b.n] = '\0';
    if (b.n == 0) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

zhs_status zhsi_html_text(const char *html, size_t len, const char *path,
                          char **text, size_t *text_len, char **title,
                          char **errmsg)
{
    struct sbuf b = {NULL, 0, 0, 0};
    htmlDocPtr doc;
    xmlNode *root;
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING
               | HTML_PARSE_NONET | HTML_PARSE_COMPACT;

    *text = NULL;
    *title = NULL;
    if (len > (size_t)0x7fffffff)
        return zhsi_fail(errmsg, ZHS_EIO, "%s: too large for the HTML "
                         "parser", path);
    xmlInitParser();
    /* The input is UTF-8 already (zhs_decode): a <meta charset> must not
     * make the parser read it as something else. */
    doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", opts);
    if (doc == NULL)
        return zhsi_fail(errmsg, ZHS_EENCODING, "%s: not an HTML document "
                         "libxml2 can read", path);
    root = xmlDocGetRootElement(doc);
    walk(root, &b, 0);
    if (!b.oom) {
        *title = text_of(find(root, "title"));
        if (*title == NULL)
            *title = text_of(find(root, "h1"));
    }
    xmlFreeDoc(doc);
    if (b.oom) {
        free(b.s);
        free(*title);
        *title = NULL;
        return zhsi_fail(errmsg, ZHS_ENOMEM, "%s: out of memory", path);
    }
    while (b.n > 0 && b.s[b.n - 1] == '\n')
        b.s[--b.n] = '\0';
    if (b.n == 0) {
        free(b.s);
        free(*title);
        *title = NULL;
        return zhsi_fail(errmsg, ZHS_EENCODING, "%s: HTML page without "
                         "text, nothing to index", path);
    }
    *text = b.s;
    *text_len = b.n;
    return ZHS_OK;
}

int zhsi_html_supported(void) { return 1; }

#else /* !HAVE_LIBXML */

zhs_status zhsi_html_text(const char *html, size_t len, const char *path,
                          char **text, size_t *text_len, char **title,
                          char **errmsg)
{
    (void)html;
    (void)len;
    (void)text_len;
    *text = NULL;
    *title = NULL;
    return zhsi_fail(errmsg, ZHS_EUSAGE, "%s: HTML is not indexed (its "
                     "markup would be read as text; this zhsearch was built "
                     "without libxml2): convert it to .txt first", path);
}

int zhsi_html_supported(void) { return 0; }

#endif
