"""What Chroma 2.5, the highlighter of Hugo 0.111, knows: its lexers' names and file-name
patterns, read from Chroma's source (Hugo highlights a code block whose language Chroma finds and
writes any other one as plain text, in another wrapper), and its styles' wrapper colours, read from
the HTML Hugo 0.111 writes with each style."""

from __future__ import annotations

# Every lexer's name and aliases, lower-cased as Chroma looks them up, "|" between them.
_NAMES = (
    "1s|1s:enterprise|abap|abl|abnf|aconf|actionscript|actionscript 3|actionscript3|ada|"
    "ada2005|ada95|al|angular2|antlr|apache|apacheconf|apl|applescript|arduino|arexx|armasm|"
    "as|as3|asm|awk|b3d|ballerina|bash|bash-session|bashsession|basic|bat|batch|batchfile|bf|"
    "bib|bibtex|bicep|bind|blitzbasic|bnf|bplus|bqn|brainfuck|bsdmake|c|c#|c++|caddy|caddy-d|"
    "caddyfile|caddyfile directives|caddyfile-d|caddyfile-directives|cap'n proto|capnp|"
    "cassandra|cassandra cql|cassette|ceylon|cf3|cfengine3|cfg|cfs|cfstatement|chai|"
    "chaiscript|chapel|cheetah|chpl|cl|clj|clojure|cmake|cobol|coffee|coffee-script|"
    "coffeescript|common lisp|common-lisp|console|coq|cpp|cql|cr|crystal|csh|csharp|css|"
    "cucumber|cython|d|dart|diff|django|django/jinja|dns|docker|dockerfile|dosbatch|dosini|"
    "dtd|duby|dylan|ebnf|elisp|elixir|elm|emacs|emacs-lisp|emacslisp|erlang|ex|exs|f90|"
    "factor|fennel|fish|fishshell|fnl|forth|fortran|fortranfixed|fsharp|gas|gawk|gd|gdscript|"
    "genshi|genshi html|genshi text|genshitext|gherkin|glsl|gnuplot|go|go html template|"
    "go text template|go-html-template|go-text-template|golang|gql|graphql|graphqls|groff|"
    "groovy|gsed|handlebars|haskell|haxe|hbs|hcl|hexdump|hlb|hlsl|hs|html|html+genshi|"
    "html+kid|http|hx|hxsl|hy|hylang|idr|idris|igor|igorpro|ini|io|j|java|java-properties|"
    "javascript|jinja|jl|js|json|jsx|julia|jungle|kid|kotlin|ksh|latex|lighttpd|"
    "lighttpd configuration file|lighty|lisp|llvm|lua|m2|make|makefile|mako|man|mariadb|"
    "markdown|mason|mathematica|matlab|mawk|mcfunction|md|meson|meson.build|metal|mf|"
    "minizinc|mkd|mlir|mma|modula-2|modula2|monkeyc|morrowind|morrowindscript|mwscript|"
    "myghty|mysql|mzn|nasm|nawk|nb|newspeak|ng2|nginx|nginx configuration file|nim|nimrod|"
    "nix|nixos|no-highlight|nroff|obj-c|objc|objective-c|objectivec|ocaml|octave|ones|"
    "onesenterprise|openedge|openedge abl|openedgeabl|openscad|org|org mode|orgmode|"
    "pacmanconf|perl|perl6|php|php3|php4|php5|phtml|pig|pkgconfig|pl|pl/pgsql|pl6|plain|"
    "plaintext|plc|plpgsql|plutus core|plutus-core|pony|posh|postgres|postgresql|"
    "postgresql sql dialect|postscr|postscript|pov|povray|powerquery|powershell|pq|progress|"
    "prolog|promql|properties|proto|protobuf|protocol buffer|ps1|psd1|psl|psm1|puppet|pwsh|"
    "py|py2|py3|pyrex|python|python 2|python2|python3|pyx|qbasic|qbs|qml|r|racket|ragel|raku|"
    "rb|react|reason|reasonml|reg|registry|rest|restructuredtext|rexx|rkt|rs|rst|ruby|rust|s|"
    "sage|sas|sass|scala|scheme|scilab|scm|scss|sed|sh|shell|shell-session|sieve|smalltalk|"
    "smarty|sml|snobol|sol|solidity|sparql|spitfire|splus|sql|squeak|squid|squid.conf|"
    "squidconf|ssed|st|standard ml|stas|stylus|sv|svelte|swift|systemd|systemverilog|t-sql|"
    "tablegen|tape|tasm|tcl|tcsh|termcap|terminfo|terraform|tex|text|tf|thrift|toml|"
    "tradingview|transact-sql|ts|tsql|tsx|turing|turtle|tv|twig|typescript|typoscript|"
    "typoscriptcssdata|typoscripthtmldata|udiff|v|v shell|vala|vapi|vb.net|vbnet|verilog|"
    "vhdl|vhs|vim|viml|vlang|vsh|vshell|vue|vuejs|wdte|whiley|winbatch|xml|xml+genshi|"
    "xml+kid|xorg|xorg.conf|yaml|yang|zed|zig|zone|zsh"
)
LEXER_NAMES = frozenset(_NAMES.split("|"))
# Their file-name patterns: Chroma also finds a language named `py` by matching `filename.py`.
_PATTERNS = (
    "*.1p *.3pm *.6pl *.6pm *.ABAP *.ASM *.BAS *.BATCH *.C *.COB *.CPP *.CPY *.EPF *.ERF *.F "
    "*.F03 *.F90 *.F95 *.FEATURE *.H *.PROC *.R *.S *.SAS *.TRIG *.[1-9] *.[gs]sed *.abap "
    "*.abnf *.ada *.adb *.ads *.al *.apl *.applescript *.arexx *.as *.asm *.automount *.aux "
    "*.awk *.b *.bal *.bas *.bash *.bat *.bb *.bf *.bib *.bicep *.bnf *.bqn *.bzl *.c *.c++ "
    "*.capnp *.cc *.cdf *.ceylon *.cf *.cfg *.chai *.chpl *.cjs *.cl *.clj *.cls *.cmake "
    "*.cmd *.cob *.coffee *.cp *.cpp *.cpy *.cql *.cr *.cs *.csh *.csproj *.css *.cts *.cxx "
    "*.d *.dal *.dart *.decls *.def *.device *.di *.diff *.dnssd *.docker *.dtd *.duby *.dyl "
    "*.dylan *.dzn *.ebnf *.ebuild *.ecl *.eclass *.el *.elm *.env *.epf *.eps *.erf *.erl "
    "*.es *.escript *.ex *.exheres-0 *.exlib *.exs *.f *.f03 *.f90 *.f95 *.factor *.feature "
    "*.fennel *.fish *.frag *.frt *.fs *.fsi *.fsproj *.fth *.fun *.fzn *.gd *.gemspec *.geo "
    "*.go *.gradle *.graphql *.graphqls *.groovy *.h *.h++ *.handlebars *.hbs *.hcl *.hh "
    "*.hlb *.hlsl *.hlsli *.hpp *.hrl *.hs *.htm *.html *.hx *.hxsl *.hxx *.hy *.i *.idc "
    "*.idr *.ijs *.inc *.inf *.ini *.ino *.intr *.io *.ipf *.java *.jl *.js *.jsm *.json "
    "*.jsx *.jungle *.jy *.kid *.ksh *.kt *.link *.lisp *.ll *.load *.lua *.m *.ma *.mak "
    "*.man *.mao *.markdown *.mc *.mcfunction *.md *.metal *.mhtml *.mi *.mjs *.mk *.mkd "
    "*.ml *.mli *.mlir *.mll *.mly *.mod *.mount *.mts *.myt *.mzn *.nb *.nbp *.netdev "
    "*.network *.nim *.nimrod *.nix *.nqp *.ns2 *.org *.p *.p6 *.p6l *.p6m *.patch *.path "
    "*.pc *.php *.php[345] *.phtml *.pig *.pl *.pl6 *.plc *.plot *.plt *.pm *.pm6 *.pony "
    "*.pov *.pp *.pq *.pro *.prolog *.promql *.properties *.proto *.ps *.ps1 *.psd1 *.psl "
    "*.psm1 *.pxd *.pxi *.py *.pyi *.pyw *.pyx *.qbs *.qml *.r *.rake *.raku *.rakudoc "
    "*.rakumod *.rakutest *.rb *.rbw *.rbx *.re *.react *.reg *.rei *.rest *.rex *.rexx "
    "*.rkt *.rktd *.rktl *.rq *.rs *.rs.in *.rss *.rst *.rvt *.rx *.s *.sage *.sas *.sass "
    "*.sc *.scad *.scala *.sce *.sci *.scm *.scope *.scss *.sed *.service *.sh *.sh-session "
    "*.sieve *.sig *.siv *.slice *.sml *.snobol *.socket *.sol *.sparql *.spt *.sql *.ss "
    "*.st *.stas *.styl *.sv *.svelte *.svg *.svh *.swap *.swift *.t *.tac *.tape *.target "
    "*.tasm *.tcl *.tcsh *.td *.tex *.tf *.thrift *.timer *.tmpl *.toc *.toml *.tpl *.ts "
    "*.tst *.tsx *.ttl *.tu *.turing *.tv *.txt *.v *.vala *.vapi *.vb *.vcxproj *.vert "
    "*.vhd *.vhdl *.vim *.vsh *.vue *.vv *.w *.wdte *.whiley *.wlua *.wsdl *.wsf *.x[bp]m "
    "*.xhtml *.xml *.xsd *.xsl *.xslt *.yaml *.yang *.yml *.zed *.zig *.zsh *.zshrc "
    ".Renviron .Rhistory .Rprofile .bash_* .bashrc .editorconfig .env .exrc .gitconfig "
    ".gvimrc .htaccess .pylintrc .vimrc .zshrc BSDmakefile BUCK BUILD BUILD.bazel "
    "CMakeLists.txt Caddyfile* Dockerfile Dockerfile.* GNUmakefile Gemfile Makefile "
    "Makefile.* PKGBUILD Rakefile SConscript SConstruct WORKSPACE _exrc _gvimrc _vimrc "
    "apache.conf apache2.conf autodelegate autohandler bash_* bashrc dhandler gvimrc "
    "makefile meson.build meson_options.txt nginx.conf pacman.conf pylintrc squid.conf "
    "termcap termcap.src terminfo terminfo.src v.mod vimrc xorg.conf zshrc "
)
LEXER_FILE_PATTERNS = tuple(_PATTERNS.split())
# Each style's colours for what wraps the code: the block's own CSS (text and background), a
# highlighted line's, and the line numbers' colour. A style Chroma does not know is "swapoff".
STYLES = {
    "abap": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "algol": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "algol_nu": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "arduino": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "autumn": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "average": ("color:#757575;background-color:#000", "background-color:#191919", "#7f7f7f"),
    "base16-snazzy": (
        "color:#e2e4e5;background-color:#282a36",
        "background-color:#3d3f4a",
        "#7f7f7f",
    ),
    "borland": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "bw": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "catppuccin-frappe": (
        "color:#ef9f76;background-color:#303446",
        "background-color:#444858",
        "#774f3b",
    ),
    "catppuccin-latte": (
        "color:#fe640b;background-color:#eff1f5",
        "background-color:#d7d8dc",
        "#feb185",
    ),
    "catppuccin-macchiato": (
        "color:#f5a97f;background-color:#24273a",
        "background-color:#393c4d",
        "#7a543f",
    ),
    "catppuccin-mocha": (
        "color:#fab387;background-color:#1e1e2e",
        "background-color:#343442",
        "#7d5943",
    ),
    "colorful": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "doom-one": ("color:#b0c4de;background-color:#282c34", "background-color:#3d4148", "#58626f"),
    "doom-one2": ("color:#b0c4de;background-color:#282c34", "background-color:#3d4148", "#58626f"),
    "dracula": ("color:#f8f8f2;background-color:#282a36", "background-color:#3d3f4a", "#7f7f7f"),
    "emacs": ("background-color:#f8f8f8", "background-color:#dfdfdf", "#7f7f7f"),
    "friendly": ("background-color:#f0f0f0", "background-color:#d8d8d8", "#7f7f7f"),
    "fruity": ("color:#fff;background-color:#111", "background-color:#282828", "#7f7f7f"),
    "github": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "github-dark": ("color:#c9d1d9;background-color:#0d1117", "color:#6e7681", "#6e7681"),
    "gruvbox": ("color:#ebdbb2;background-color:#282828", "background-color:#3d3d3d", "#756d59"),
    "gruvbox-light": (
        "color:#3c3836;background-color:#fbf1c7",
        "background-color:#e1d8b3",
        "#9d9b9a",
    ),
    "hr_high_contrast": ("color:#000", "background-color:#e5e5e5", "#7f7f7f"),
    "hrdark": ("color:#1d2432", "background-color:#e5e5e5", "#8e9198"),
    "igor": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "lovelace": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "manni": ("background-color:#f0f3f3", "background-color:#d8dada", "#7f7f7f"),
    "modus-operandi": ("color:#000;background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "modus-vivendi": ("color:#fff;background-color:#000", "background-color:#191919", "#7f7f7f"),
    "monokai": ("color:#f8f8f2;background-color:#272822", "background-color:#3c3d38", "#7f7f7f"),
    "monokailight": (
        "color:#272822;background-color:#fafafa",
        "background-color:#e1e1e1",
        "#7f7f7f",
    ),
    "murphy": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "native": ("color:#d0d0d0;background-color:#202020", "background-color:#363636", "#686868"),
    "nord": ("color:#d8dee9;background-color:#2e3440", "background-color:#424853", "#6c6f74"),
    "onedark": ("color:#abb2bf;background-color:#282c34", "background-color:#3d4148", "#55595f"),
    "onesenterprise": ("color:#000", "background-color:#e5e5e5", "#7f7f7f"),
    "paraiso-dark": (
        "color:#e7e9db;background-color:#2f1e2e",
        "background-color:#433442",
        "#7f7f7f",
    ),
    "paraiso-light": (
        "color:#2f1e2e;background-color:#e7e9db",
        "background-color:#cfd1c5",
        "#7f7f7f",
    ),
    "pastie": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "perldoc": ("background-color:#eed", "background-color:#d6d6c6", "#7f7f7f"),
    "pygments": ("", "background-color:#e5e5e5", "#7f7f7f"),
    "rainbow_dash": ("color:#4d4d4d;background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "rose-pine": ("color:#e0def4;background-color:#191724", "background-color:#302e39", "#7f7f7f"),
    "rose-pine-dawn": (
        "color:#575279;background-color:#faf4ed",
        "background-color:#e1dbd5",
        "#7f7f7f",
    ),
    "rose-pine-moon": (
        "color:#e0def4;background-color:#232136",
        "background-color:#39374a",
        "#7f7f7f",
    ),
    "rrt": ("color:#f8f8f2;background-color:#000", "background-color:#191919", "#7c7c79"),
    "solarized-dark": (
        "color:#93a1a1;background-color:#002b36",
        "background-color:#19404a",
        "#495050",
    ),
    "solarized-dark256": (
        "color:#8a8a8a;background-color:#1c1c1c",
        "background-color:#323232",
        "#454545",
    ),
    "solarized-light": (
        "color:#586e75;background-color:#eee8d5",
        "background-color:#d6d0bf",
        "#7f7f7f",
    ),
    "swapoff": ("color:#e5e5e5;background-color:#000", "background-color:#191919", "#727272"),
    "tango": ("background-color:#f8f8f8", "background-color:#dfdfdf", "#7f7f7f"),
    "trac": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "vim": ("color:#ccc;background-color:#000", "background-color:#191919", "#666"),
    "vs": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "witchhazel": ("color:#f8f8f2;background-color:#433e56", "background-color:#555166", "#7f7f7f"),
    "xcode": ("background-color:#fff", "background-color:#e5e5e5", "#7f7f7f"),
    "xcode-dark": ("color:#fff;background-color:#1f1f24", "background-color:#353539", "#7f7f7f"),
}
