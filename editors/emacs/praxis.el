;;; praxis.el --- Praxis language server through Eglot  -*- lexical-binding: t; -*-

;;; Commentary:

;; Eglot is built into Emacs 29 and newer (install it from GNU ELPA, or Debian's elpa-eglot,
;; on Emacs 26.3-28).
;;
;; Load this file from your init file and start Praxis in the buffers of projects that have a
;; `.praxis/' folder:
;;
;;   (load "/path/to/praxis/editors/emacs/praxis.el")
;;   (add-hook 'prog-mode-hook #'praxis-eglot-ensure)
;;   (add-hook 'text-mode-hook #'praxis-eglot-ensure) ; HTML, and YAML practice files
;;
;; or run M-x praxis-eglot-ensure in such a buffer.  Loading the file changes nothing else:
;; in other projects, Eglot starts the servers it would start anyway.
;;
;; Eglot runs one server per buffer: in the buffers where Praxis starts, it replaces the server
;; Eglot would otherwise pick (pyright, typescript-language-server, ...).  To run Praxis next
;; to another server, use lsp-mode with an add-on client (docs/editors/emacs.md).
;;
;; tests/tests/emacs.rs loads this file in Emacs 28 with Debian's Eglot 1.9 and checks the
;; diagnostics, an edit, a hover, the code actions, the options and the shutdown.

;;; Code:

(require 'eglot)
(require 'seq)

(defgroup praxis nil
  "Praxis team practices in the editor."
  :group 'tools
  :prefix "praxis-")

(defcustom praxis-command '("praxis" "lsp")
  "How to start the Praxis language server: the program and its arguments."
  :type '(repeat string))

(defcustom praxis-initialization-options nil
  "Sent as `initializationOptions', as a plist; nil sends none.
For example (:practices [\"lint/practices\"]) replaces the project's
practice folders, relative to the project root.

Eglot also sends `workspace/didChangeConfiguration' right after
connecting, with `eglot-workspace-configuration' as the settings.
Praxis keeps every option that those settings leave out (an empty
object changes nothing), so use either place; a key given in both
takes the value from `eglot-workspace-configuration', under :praxis:

  (setq-default eglot-workspace-configuration
                \\='(:praxis (:practices [\"lint/practices\"])))"
  :type 'sexp)

(defcustom praxis-major-modes
  '(;; Built into Emacs 28.
    js-mode js-jsx-mode python-mode java-mode c-mode c++-mode ruby-mode sh-mode css-mode
    html-mode mhtml-mode
    ;; Built into Emacs 29 and newer (tree-sitter modes, C#, JSON).
    typescript-ts-mode tsx-ts-mode js-ts-mode js-json-mode json-ts-mode python-ts-mode
    rust-ts-mode go-ts-mode java-ts-mode c-ts-mode c++-ts-mode csharp-mode csharp-ts-mode
    ruby-ts-mode bash-ts-mode css-ts-mode html-ts-mode yaml-ts-mode php-ts-mode
    ;; From packages.
    typescript-mode go-mode rust-mode kotlin-mode kotlin-ts-mode php-mode swift-mode
    scala-mode scala-ts-mode json-mode yaml-mode)
  "Major modes in which `praxis-eglot-ensure' starts Praxis.
They cover the languages `praxis languages' lists.  Name the modes
themselves, not only a parent: Eglot hands a running server only
the buffers in the very modes it was started for, and a derived
mode would start a second server.  In YAML, Praxis starts only for
the practice files under `.praxis/'.  Remove a mode to keep Eglot's
usual server for it."
  :type '(repeat symbol))

(defconst praxis--yaml-modes '(yaml-mode yaml-ts-mode)
  "Major modes in which only practice files start Praxis.")

(defun praxis--contact (&optional _interactive _project)
  "Return the Eglot contact for Praxis: `praxis-command' and the options."
  (if praxis-initialization-options
      (append praxis-command (list :initializationOptions praxis-initialization-options))
    praxis-command))

(defun praxis-project-p ()
  "Return the folder holding `.praxis/' above the visited file, or nil."
  (and buffer-file-name (locate-dominating-file buffer-file-name ".praxis")))

(defun praxis--yaml-p ()
  "Return non-nil in a YAML buffer."
  (apply #'derived-mode-p praxis--yaml-modes))

(defun praxis--applies-p ()
  "Return non-nil when Praxis is to check the current buffer.
In YAML, only the practice files under `.praxis/' count: the
project's other YAML files keep yaml-language-server."
  (and (apply #'derived-mode-p praxis-major-modes)
       (praxis-project-p)
       (or (not (praxis--yaml-p))
           (string-match-p "/\\.praxis/" buffer-file-name))))

(defun praxis--server-modes ()
  "Return the major modes for the Praxis server started from this buffer.
Eglot hands a running server every buffer of the project in its
modes, so the server of the code has no YAML mode, and the one of
the practice files only those."
  (if (praxis--yaml-p)
      praxis--yaml-modes
    (seq-remove (lambda (mode) (memq mode praxis--yaml-modes)) praxis-major-modes)))

(defun praxis-eglot-ensure ()
  "Start Eglot with Praxis in this buffer if its project has a `.praxis/' folder.
Only this buffer's choice of server changes, so projects without
`.praxis/' keep the servers Eglot picks for them."
  (interactive)
  (if (not (praxis--applies-p))
      (when (called-interactively-p 'interactive)
        (message "Praxis does not check this buffer (no .praxis/ folder above it, or not a Praxis language)"))
    ;; Buffer-local, and first, so that it wins over Eglot's own entry for this mode here
    ;; and nowhere else.
    (setq-local eglot-server-programs
                (cons (cons (praxis--server-modes) #'praxis--contact)
                      (default-value 'eglot-server-programs)))
    (eglot-ensure)))

(defun praxis--project-find (dir)
  "Return the project of DIR for Eglot: the folder holding `.praxis/'.
Only asked when no other project was found (no version control),
and only for Eglot: without it, Eglot would start Praxis on DIR
alone, and relative practice folders would be read from there."
  (let ((root (and (bound-and-true-p eglot-lsp-context)
                   (locate-dominating-file dir ".praxis"))))
    (and root (cons 'transient (expand-file-name root)))))

;; Last: a version-control root, when there is one, stays the project.
(add-hook 'project-find-functions #'praxis--project-find 90)

(provide 'praxis)
;;; praxis.el ends here
