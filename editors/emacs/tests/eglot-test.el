;;; eglot-test.el --- batch test: eglot + backend-architect  -*- lexical-binding: t; -*-
;; emacs --batch -l tests/eglot-test.el   (BA_BIN, BA_PROJECT in the environment)

(require 'package)
(package-initialize)
(add-to-list 'load-path (expand-file-name ".." (file-name-directory load-file-name)))
(require 'backend-architect)
(require 'flymake)

(setq backend-architect-command (list (getenv "BA_BIN") "lsp"))
(setq eglot-sync-connect t)
(add-hook 'eglot-managed-mode-hook #'backend-architect-fix-on-save-mode)

(defun ba-fail (fmt &rest args)
  (princ (concat "FAIL: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun ba-codes ()
  (sort (mapcar (lambda (d)
                  (let ((msg (flymake-diagnostic-text d)))
                    (if (string-match "\\(SEC[0-9]+\\)" msg) (match-string 1 msg) msg)))
                (flymake-diagnostics))
        #'string<))

(condition-case err
    (let ((file (expand-file-name "app.py" (getenv "BA_PROJECT"))))
      (find-file file)
      (python-mode)
      (eglot-ensure)
      ;; eglot-ensure connects from post-command-hook; connect directly in batch mode.
      (unless (eglot-current-server)
        (apply #'eglot (eglot--guess-contact)))
      (unless (eglot-current-server) (ba-fail "eglot did not connect"))
      (let ((deadline (+ (float-time) 20)))
        (while (and (< (float-time) deadline)
                    (not (equal (ba-codes) '("SEC102" "SEC103" "SEC201"))))
          (accept-process-output nil 0.1)
          (flymake-start)))
      (unless (equal (ba-codes) '("SEC102" "SEC103" "SEC201"))
        (ba-fail "diagnostics: %S" (ba-codes)))
      ;; Fix on save, set up by the README's recipe (the hook, above): the safe fixes reach the disk.
      (unless backend-architect-fix-on-save-mode
        (ba-fail "eglot-managed-mode-hook did not turn on backend-architect-fix-on-save-mode"))
      (goto-char (point-min))
      (insert "# edited in Emacs\n")
      (save-buffer)
      (let ((on-disk (with-temp-buffer (insert-file-contents file) (buffer-string))))
        (unless (and (string-prefix-p "# edited in Emacs\n" on-disk)
                     (string-match-p (regexp-quote "data = yaml.safe_load(stream)") on-disk)
                     (string-match-p (regexp-quote "subprocess.run([\"ls\", name])") on-disk)
                     (not (string-match-p "shell=True" on-disk)))
          (ba-fail "fix on save, on disk:\n%s" on-disk)))
      ;; Nothing left to fix: saving again neither fails nor changes the file.
      (set-buffer-modified-p t)
      (save-buffer)
      (princ "PASS\n")
      (eglot-shutdown (eglot-current-server))
      (kill-emacs 0))
  (error (ba-fail "%S" err)))
