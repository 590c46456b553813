;;; backend-architect.el --- backend-architect language server with eglot  -*- lexical-binding: t; -*-

;; Register the server for Python and JavaScript/TypeScript buffers:
;;   (add-to-list 'load-path "/path/to/backend-architect/editors/emacs")
;;   (require 'backend-architect)
;;   (add-hook 'python-mode-hook #'eglot-ensure)

;;; Code:

(require 'eglot)

(defvar backend-architect-command '("backend-architect" "lsp")
  "Command that starts the backend-architect language server.")

(add-to-list 'eglot-server-programs
             `((python-mode js-mode typescript-mode js-ts-mode typescript-ts-mode tsx-ts-mode)
               . ,(lambda (&rest _) backend-architect-command)))

(provide 'backend-architect)
;;; backend-architect.el ends here
